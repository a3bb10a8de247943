package dev.kindling.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hit ratio and time saved per endpoint: the ratio over all starts so far, and time saved against the endpoint's own
 * observed source rate once there is one (the instance type's network rate before).
 */
class CopyStartMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CopyStartMetrics metrics = new CopyStartMetrics(registry);

    private static CopyStartup start(BlobSource... blobs) {
        return new CopyStartup(List.of(), List.of(), List.of(), List.of(blobs), List.of());
    }

    private static BlobSource image(long bytes, String tier, double seconds) {
        return new BlobSource(CopyStartup.IMAGE, "sha256:x", bytes, tier, seconds);
    }

    private double saved(String endpoint) {
        return registry.get("kindling.cache.time.saved").tags("endpoint", endpoint, "artifact", "image").counter().count();
    }

    private double ratio(String endpoint) {
        return registry.get("kindling.cache.hit.ratio").tags("endpoint", endpoint, "artifact", "image").gauge().value();
    }

    @Test
    void timeSavedUsesTheNetworkRateUntilTheEndpointObservedItsSource() {
        // 100 MB from the endpoint cache in 0.5 s, on an instance whose network moves 100 MB/s: 0.5 s saved.
        metrics.record("a", "m", "InService", start(image(100_000_000, "endpoint-image-cache", 0.5)), 100e6);
        assertThat(saved("a")).isCloseTo(0.5, within(1e-9));
        // A cold start measures the registry at 25 MB/s (and saves nothing itself)...
        metrics.record("a", "m", "InService", start(image(50_000_000, "registry", 2)), 100e6);
        assertThat(saved("a")).isCloseTo(0.5, within(1e-9));
        // ...so the same cached 100 MB now counts as 4 s of registry time, less the 0.5 s the cache took.
        metrics.record("a", "m", "InService", start(image(100_000_000, "endpoint-image-cache", 0.5)), 100e6);
        assertThat(saved("a")).isCloseTo(0.5 + 3.5, within(1e-9));
    }

    @Test
    void theHitRatioIsCachedBytesOverAllBytesPerEndpoint() {
        metrics.record("b", "m", "InService", start(image(300, "registry", 1)), 1e6);
        assertThat(ratio("b")).isZero();
        metrics.record("b", "m", "InService", start(image(600, "local", 0), image(100, "registry", 1)), 1e6);
        assertThat(ratio("b")).isCloseTo(0.6, within(1e-9));
        metrics.record("c", "m", "InService", start(image(10, "peer", 0.1)), 1e6);
        assertThat(ratio("c")).isEqualTo(1.0);
        assertThat(ratio("b")).as("another endpoint's starts do not count").isCloseTo(0.6, within(1e-9));
    }

    @Test
    void rateObservationsArePerEndpoint() {
        metrics.record("slow", "m", "InService", start(image(10_000_000, "registry", 10)), 1e9);
        metrics.record("fast", "m", "InService", start(image(10_000_000, "local", 0)), 1e9);
        // fast has seen no registry download: its local 10 MB count at the 1 GB/s network rate, not at slow's 1 MB/s.
        assertThat(saved("fast")).isCloseTo(0.01, within(1e-9));
    }
}
