package dev.kindling.api.metrics;

import dev.kindling.api.model.ScalingEventView;
import dev.kindling.db.model.ScalingEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Exports the scaler's work, tagged with endpoint and component: {@code kindling_scaling_decisions_total} (by kind,
 * and whether the burst window made it), and for every scale-out that completed,
 * {@code kindling_scale_out_phase_seconds} (histogram per phase: detect, provision, image, model, container,
 * first-request; the same durations the scaling-events API shows) and {@code kindling_scale_out_seconds} (from the
 * threshold crossing to the first request served by the last new copy).
 */
public final class ScalingMetrics {

    private final MeterRegistry registry;

    public ScalingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void decided(ScalingEvent e) {
        Counter.builder("kindling.scaling.decisions").description("Scaling decisions the scaler applied")
                .tags("endpoint", e.endpointName(), "component", e.componentName(), "kind", e.kind().name(),
                        "burst", Boolean.toString(e.burst()))
                .register(registry).increment();
    }

    /** Records a scale-out that completed (its new copies all served); others are not timed. */
    public void completed(ScalingEvent e) {
        if (e.status() != ScalingEvent.Status.Completed || !e.kind().addsCopies()) return;
        ScalingEventView.Durations d = ScalingEventView.durations(e);
        phase(e, "detect", d.detectSeconds());
        phase(e, "provision", d.provisionSeconds());
        phase(e, "image", d.imageSeconds());
        phase(e, "model", d.modelSeconds());
        phase(e, "container", d.containerSeconds());
        phase(e, "first-request", d.firstRequestSeconds());
        if (d.totalSeconds() != null) {
            Timer.builder("kindling.scale.out").description("Scale-out latency: threshold crossed to new copies serving")
                    .tags("endpoint", e.endpointName(), "component", e.componentName(), "kind", e.kind().name())
                    .serviceLevelObjectives(CopyStartMetrics.START_BUCKETS).register(registry).record(seconds(d.totalSeconds()));
        }
    }

    private void phase(ScalingEvent e, String phase, Double seconds) {
        if (seconds == null) return;
        Timer.builder("kindling.scale.out.phase").description("Time of one phase of a scale-out")
                .tags("endpoint", e.endpointName(), "component", e.componentName(), "phase", phase)
                .serviceLevelObjectives(CopyStartMetrics.START_BUCKETS).register(registry).record(seconds(seconds));
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
