package dev.kindling.scaler.metrics;

import java.time.Instant;

/**
 * What the windows of one inference component say at one instant; the only thing decisions read. Concurrency is
 * the component's in-flight requests (all copies together), averaged over the seconds of each window that hold
 * data; invocation rates are per minute.
 *
 * @param valid                      false while there is no data to decide on (knative's {@code ScaleValid}):
 *                                   nothing in the stable window, or nothing in the last completed
 *                                   high-resolution period. The numbers are still filled from what data there
 *                                   is, so a request waiting at zero copies is never ignored.
 * @param highResolutionConcurrency  average over the last completed high-resolution period
 * @param lastNonZeroAt              the last second anything arrived or was in flight; null if never seen
 */
public record LoadReadings(
        boolean valid,
        double stableConcurrency,
        double burstConcurrency,
        double highResolutionConcurrency,
        double stableInvocationsPerMinute,
        double burstInvocationsPerMinute,
        Instant lastNonZeroAt) {

    /** Readings of a component nothing has been recorded for. */
    public static final LoadReadings NO_DATA = new LoadReadings(false, 0, 0, 0, 0, 0, null);
}
