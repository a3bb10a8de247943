package dev.kindling.api.metrics;

import dev.kindling.agent.protocol.CopyStartup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Exports each finished copy start, once, as Prometheus metrics tagged with endpoint and component:
 * {@code kindling_copy_start_phase_seconds} (histogram per phase: image, model, container-start, health-check),
 * {@code kindling_copy_start_seconds} (first phase start to the end of the last, by outcome),
 * {@code kindling_cache_tier_bytes_total} and {@code kindling_cache_tier_hits_total} (per artifact and tier), and
 * {@code kindling_cache_fallbacks_total} (tiers that had something but could not serve it). Per endpoint and
 * artifact also {@code kindling_cache_hit_ratio} (bytes not from the registry or S3 over all bytes, over the starts
 * so far) and {@code kindling_cache_time_saved_seconds_total} (see {@link CacheSavings} for how it is counted).
 */
public final class CopyStartMetrics {

    /**
     * Buckets of start and phase times, 50 ms to 30 min: fixed, so a scrape stays small with many components (a
     * percentile histogram has about 70 buckets per series).
     */
    public static final Duration[] START_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300,
            600, 1200, 1800);

    /** Source rates kept per endpoint and artifact for the median. */
    static final int RATES_KEPT = 20;

    private final MeterRegistry registry;
    /** Per endpoint and artifact: bytes from cache tiers and from all tiers, and the recent source rates. */
    private final Map<List<String>, Savings> savings = new ConcurrentHashMap<>();

    /** What the caches gave one endpoint's starts of one artifact so far. */
    private static final class Savings {
        final DoubleAdder cached = new DoubleAdder();
        final DoubleAdder total = new DoubleAdder();
        final double[] rates = new double[RATES_KEPT];
        int next;

        double ratio() {
            double t = total.sum();
            return t == 0 ? Double.NaN : cached.sum() / t;
        }

        synchronized void observe(double rate) {
            if (!Double.isFinite(rate) || rate <= 0) return;
            rates[next % RATES_KEPT] = rate;
            next++;
        }

        synchronized double medianRate() {
            return CacheSavings.median(Arrays.copyOf(rates, Math.min(next, RATES_KEPT)));
        }
    }

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
        record(endpoint, component, outcome, startup, Double.NaN);
    }

    /**
     * Records a start that ended, with the rate the registry and S3 are assumed to deliver at on this endpoint before
     * any was observed (the instance type's network rate; NaN: time saved is counted only once one was observed).
     */
    public void record(String endpoint, String component, String outcome, CopyStartup startup, double fallbackSourceRate) {
        recordSavings(endpoint, startup, fallbackSourceRate);
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

    private void recordSavings(String endpoint, CopyStartup startup, double fallbackSourceRate) {
        CacheSavings.of(startup).forEach((artifact, usage) -> {
            Savings sv = savings.computeIfAbsent(List.of(endpoint, artifact), k -> {
                Savings created = new Savings();
                Gauge.builder("kindling.cache.hit.ratio", created, Savings::ratio)
                        .description("Share of copy-start bytes served by a cache tier rather than the registry or S3")
                        .tags("endpoint", endpoint, "artifact", artifact).register(registry);
                return created;
            });
            sv.cached.add(usage.cachedBytes());
            sv.total.add(usage.cachedBytes() + usage.sourceBytes());
            // A start that fetched part of its bytes from the source measured the source as it is now: it counts too.
            sv.observe(usage.observedSourceRate());
            double rate = sv.medianRate();
            double saved = usage.secondsSaved(Double.isNaN(rate) ? fallbackSourceRate : rate);
            Counter.builder("kindling.cache.time.saved").baseUnit("seconds")
                    .description("Seconds copy starts saved by cache tiers against fetching their bytes from the source")
                    .tags("endpoint", endpoint, "artifact", artifact).register(registry).increment(saved);
        });
    }
}
