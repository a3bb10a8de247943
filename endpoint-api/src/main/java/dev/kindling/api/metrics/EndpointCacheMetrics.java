package dev.kindling.api.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Endpoint cache volumes as Prometheus metrics, per endpoint: {@code kindling_endpoint_cache_build_seconds}
 * (histogram of build times, by outcome Ready or Failed), {@code kindling_endpoint_cache_bytes} (what the ready
 * volume holds, by artifact image or model; gone with the endpoint's cache) and
 * {@code kindling_endpoint_cache_faults_total} (faults agents reported in a ready volume, by kind: missing, corrupt,
 * unreadable).
 */
public final class EndpointCacheMetrics {

    private final MeterRegistry registry;
    /** Bytes per endpoint and artifact; the gauges read these. */
    private final Map<String, Map<String, AtomicLong>> bytes = new ConcurrentHashMap<>();

    public EndpointCacheMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void built(String endpoint, String outcome, Duration took) {
        Timer.builder("kindling.endpoint.cache.build").description("Time to build an endpoint's cache volume")
                .tags("endpoint", endpoint, "outcome", outcome)
                .serviceLevelObjectives(CopyStartMetrics.START_BUCKETS).register(registry).record(took);
    }

    public void fault(String endpoint, String kind) {
        Counter.builder("kindling.endpoint.cache.faults").description("Faults agents found in an endpoint's ready cache volume")
                .tags("endpoint", endpoint, "kind", kind).register(registry).increment();
    }

    /** What the endpoint's ready volume holds now. */
    public void holds(String endpoint, long imageBytes, long modelBytes) {
        Map<String, AtomicLong> byArtifact = bytes.computeIfAbsent(endpoint, e -> {
            Map<String, AtomicLong> m = new ConcurrentHashMap<>();
            for (String artifact : new String[] {"image", "model"}) {
                AtomicLong value = new AtomicLong();
                Gauge.builder("kindling.endpoint.cache.bytes", value, AtomicLong::get)
                        .description("Bytes an endpoint's ready cache volume holds")
                        .tags("endpoint", e, "artifact", artifact).register(registry);
                m.put(artifact, value);
            }
            return m;
        });
        byArtifact.get("image").set(imageBytes);
        byArtifact.get("model").set(modelBytes);
    }

    /** Drops the volume gauges of endpoints whose caches are gone (the endpoint was deleted). */
    public void keepOnly(Set<String> endpoints) {
        for (String e : Set.copyOf(bytes.keySet())) {
            if (endpoints.contains(e)) continue;
            bytes.remove(e);
            registry.find("kindling.endpoint.cache.bytes").tag("endpoint", e).gauges().forEach(registry::remove);
        }
    }
}
