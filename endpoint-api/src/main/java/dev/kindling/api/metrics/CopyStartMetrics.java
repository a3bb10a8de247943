package dev.kindling.api.metrics;

import dev.kindling.agent.protocol.CopyStartup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Exports each finished copy start, once, as Prometheus metrics tagged with endpoint and component:
 * {@code kindling_copy_start_phase_seconds} (histogram per phase: image, model, container-start, health-check),
 * {@code kindling_copy_start_seconds} (first phase start to the end of the last, by outcome),
 * {@code kindling_cache_tier_bytes_total} and {@code kindling_cache_tier_hits_total} (per artifact and tier), and
 * {@code kindling_cache_fallbacks_total} (tiers that had something but could not serve it).
 */
public final class CopyStartMetrics {

    /**
     * Buckets of start and phase times, 50 ms to 30 min: fixed, so a scrape stays small with many components (a
     * percentile histogram has about 70 buckets per series).
     */
    public static final Duration[] START_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300,
            600, 1200, 1800);

    private final MeterRegistry registry;

    private static Duration[] seconds(double... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) d[i] = Duration.ofNanos((long) (values[i] * 1e9));
        return d;
    }

    public CopyStartMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records a start that ended: {@code outcome} is InService or Failed. */
    public void record(String endpoint, String component, String outcome, CopyStartup startup) {
        java.time.Instant first = null, last = null;
        for (CopyStartup.Phase p : startup.phases()) {
            if (first == null || p.startedAt().isBefore(first)) first = p.startedAt();
            if (p.endedAt() == null) continue;
            if (last == null || p.endedAt().isAfter(last)) last = p.endedAt();
            Timer.builder("kindling.copy.start.phase").description("Time of one phase of a copy start")
                    .tags("endpoint", endpoint, "component", component, "phase", p.name())
                    .serviceLevelObjectives(START_BUCKETS).register(registry).record(p.duration());
        }
        if (first != null && last != null) {
            Timer.builder("kindling.copy.start").description("Time of a copy start, from its first phase to its last")
                    .tags("endpoint", endpoint, "component", component, "outcome", outcome)
                    .serviceLevelObjectives(START_BUCKETS).register(registry).record(Duration.between(first, last));
        }
        for (CopyStartup.TierUsage t : startup.tiers()) {
            String[] tags = {"endpoint", endpoint, "component", component, "artifact", t.artifact(), "tier", t.tier()};
            Counter.builder("kindling.cache.tier.bytes").description("Bytes a cache tier served to copy starts")
                    .baseUnit("bytes").tags(tags).register(registry).increment(t.bytes());
            Counter.builder("kindling.cache.tier.hits").description("Blobs or objects a cache tier served to copy starts")
                    .tags(tags).register(registry).increment(t.hits());
        }
        if (!startup.fallbacks().isEmpty()) {
            Counter.builder("kindling.cache.fallbacks").description("Tiers that had a blob or object but could not serve it")
                    .tags("endpoint", endpoint, "component", component).register(registry)
                    .increment(startup.fallbacks().size());
        }
    }
}
