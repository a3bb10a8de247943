package dev.kindling.scaler.metrics;

import java.time.Instant;

/** The one read between load windows and scaling decisions (knative's {@code MetricClient}). */
public interface LoadSource {

    LoadReadings read(Instant now);
}
