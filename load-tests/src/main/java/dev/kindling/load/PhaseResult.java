package dev.kindling.load;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one phase of open-loop load saw.
 *
 * @param latencyMicros latency of every successful request from its intended send time to its last response byte
 * @param sendLagMicros how late the generator sent each request after its intended time (its own schedule keeping)
 * @param sent requests sent
 * @param succeeded requests answered with a 2xx
 * @param errors failed requests by kind ({@code HTTP 502}, {@code timeout}, an exception's class), none when clean
 * @param sendRate requests sent per second over the phase (the target rate when the generator kept up)
 * @param completionRate requests answered (any outcome) per second from the first send to the last answer
 */
public record PhaseResult(String path, Histogram latencyMicros, Histogram sendLagMicros, long sent, long succeeded,
                          Map<String, Long> errors, double sendRate, double completionRate) {

    public PhaseResult {
        errors = new TreeMap<>(errors);
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public LatencySummary latency() {
        return LatencySummary.of(latencyMicros);
    }
}
