package dev.kindling.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the cache tiers saved one start, as named rows: its blobs, the source rate, and the seconds saved. */
class CacheSavingsTest {

    private static final double MB = 1e6;

    private static BlobSource image(long bytes, String tier, double seconds) {
        return new BlobSource(CopyStartup.IMAGE, "sha256:x", bytes, tier, seconds);
    }

    private static CopyStartup start(BlobSource... blobs) {
        return new CopyStartup(List.of(), List.of(), List.of(), List.of(blobs), List.of());
    }

    static Stream<Arguments> savings() {
        return Stream.of(
                Arguments.of("all from the registry saves nothing", start(image(100_000_000, "registry", 2)), 50 * MB,
                        0L, 100_000_000L, 0.0),
                Arguments.of("from the endpoint cache: the source time minus the cache's",
                        start(image(100_000_000, "endpoint-image-cache", 0.5)), 50 * MB, 100_000_000L, 0L, 1.5),
                Arguments.of("the local tier took no time: all of the source time is saved",
                        start(image(50_000_000, "local", 0)), 50 * MB, 50_000_000L, 0L, 1.0),
                Arguments.of("cache tiers' seconds add up: they serve blob after blob",
                        start(image(50_000_000, "peer", 0.4), image(50_000_000, "peer", 0.4)), 50 * MB, 100_000_000L, 0L,
                        1.2),
                Arguments.of("a cache slower than the source saves nothing, never less",
                        start(image(10_000_000, "endpoint-image-cache", 3)), 50 * MB, 10_000_000L, 0L, 0.0),
                Arguments.of("no known source rate: nothing counted", start(image(10_000_000, "local", 0)), Double.NaN,
                        10_000_000L, 0L, 0.0),
                Arguments.of("part cached, part from the source", start(image(60_000_000, "endpoint-image-cache", 0.2),
                        image(40_000_000, "registry", 1)), 40 * MB, 60_000_000L, 40_000_000L, 1.3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("savings")
    void saves(String label, CopyStartup startup, double sourceRate, long cached, long source, double saved) {
        CacheSavings.Usage u = CacheSavings.of(startup).get(CopyStartup.IMAGE);
        assertThat(u.cachedBytes()).isEqualTo(cached);
        assertThat(u.sourceBytes()).isEqualTo(source);
        assertThat(u.secondsSaved(sourceRate)).isCloseTo(saved, within(1e-9));
    }

    static Stream<Arguments> observedRates() {
        return Stream.of(
                Arguments.of("one source blob: its bytes over its seconds", start(image(80_000_000, "registry", 2)), 40 * MB),
                Arguments.of("blobs in parallel: all source bytes over the slowest one's seconds",
                        start(image(80_000_000, "registry", 2), image(20_000_000, "registry", 0.5)), 50 * MB),
                Arguments.of("cache hits do not count", start(image(80_000_000, "registry", 2),
                        image(500_000_000, "endpoint-image-cache", 1)), 40 * MB),
                Arguments.of("nothing from the source: none observed", start(image(1, "local", 0)), Double.NaN),
                Arguments.of("source blobs without a time (resumed): none observed", start(image(100, "registry", 0)),
                        Double.NaN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("observedRates")
    void observesTheSourceRate(String label, CopyStartup startup, double rate) {
        double observed = CacheSavings.of(startup).get(CopyStartup.IMAGE).observedSourceRate();
        if (Double.isNaN(rate)) assertThat(observed).isNaN();
        else assertThat(observed).isCloseTo(rate, within(1e-6));
    }

    static Stream<Arguments> medians() {
        return Stream.of(
                Arguments.of("none", new double[] {}, Double.NaN),
                Arguments.of("one", new double[] {5}, 5.0),
                Arguments.of("odd count: the middle one", new double[] {9, 1, 5}, 5.0),
                Arguments.of("even count: the mean of the middle two", new double[] {1, 2, 3, 10}, 2.5),
                Arguments.of("unusable values are left out", new double[] {Double.NaN, 0, -3, 7}, 7.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("medians")
    void takesTheMedian(String label, double[] rates, double median) {
        if (Double.isNaN(median)) assertThat(CacheSavings.median(rates)).isNaN();
        else assertThat(CacheSavings.median(rates)).isEqualTo(median);
    }

    @Test
    void withoutPerBlobSourcesTheTierTotalsGiveTheBytes() {
        CopyStartup old = new CopyStartup(List.of(), List.of(new TierUsage("image", "registry", 2, 300),
                new TierUsage("image", "local", 1, 700), new TierUsage("model", "s3", 1, 50)), List.of());
        Map<String, CacheSavings.Usage> u = CacheSavings.of(old);
        assertThat(u.get("image").cachedBytes()).isEqualTo(700);
        assertThat(u.get("image").sourceBytes()).isEqualTo(300);
        assertThat(u.get("image").observedSourceRate()).isNaN();
        assertThat(u.get("model").cachedBytes()).isZero();
    }
}
