package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CacheTiersScenarioTest {

    static Stream<Arguments> scales() {
        return Stream.of(
                Arguments.of("full size: the published case", 1, 17_700_000_000L, 16_000_000_000L, 5.0, 125.0),
                Arguments.of("the default 1/100", 100, 177_000_000L, 160_000_000L, 0.05, 1.25),
                Arguments.of("1/1000: the tiny config object keeps one byte", 1000, 17_700_000L, 16_000_000L, 0.005, 0.125));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scales")
    void dividesBytesAndRatesByTheScale(String label, long scale, long imageBytes, long modelBytes, double gbps, double mibps) {
        CacheTiersScenario s = new CacheTiersScenario(scale, 0.1, 0);
        assertThat(s.imageBytes()).isEqualTo(imageBytes);
        assertThat(s.modelBytes()).isEqualTo(modelBytes);
        assertThat(s.networkGbps()).isCloseTo(gbps, within(1e-12));
        assertThat(s.diskWriteMibps()).isCloseTo(mibps, within(1e-12));
    }

    @Test
    void aScaledTransferTakesAsLongAsTheFullSizeOne() {
        CacheTiersScenario full = new CacheTiersScenario(1, 1, 0);
        for (long scale : new long[] {10, 100, 1000}) {
            CacheTiersScenario s = new CacheTiersScenario(scale, 1, 0);
            double fullSeconds = full.imageBytes() / (full.networkGbps() * 1e9 / 8);
            assertThat(s.imageBytes() / (s.networkGbps() * 1e9 / 8)).isCloseTo(fullSeconds, within(fullSeconds * 1e-6));
            double fullDisk = full.modelBytes() / (full.diskWriteMibps() * (1 << 20));
            assertThat(s.modelBytes() / (s.diskWriteMibps() * (1 << 20))).isCloseTo(fullDisk, within(fullDisk * 1e-4));
        }
    }

    @Test
    void theImageHasOneLargeLayerAndSeveralSmallerOnesTheModelSeveralObjects() {
        CacheTiersScenario s = new CacheTiersScenario(100, 0.1, 0);
        assertThat(s.imageLayerBytes()).hasSizeGreaterThan(3);
        assertThat(s.imageLayerBytes().getFirst()).isGreaterThan(s.imageBytes() / 2);
        assertThat(s.modelObjects()).hasSizeGreaterThan(3).allSatisfy(o -> assertThat(o.bytes()).isPositive());
    }

    static Stream<Arguments> modes() {
        return Stream.of(
                Arguments.of("no caches: every tier off, idle instances released at once", CacheTierMode.NO_CACHES,
                        "false", "false", "false", "0"),
                Arguments.of("image cache only", CacheTierMode.IMAGE_CACHE, "true", "false", "false", "0"),
                Arguments.of("image + model cache", CacheTierMode.IMAGE_AND_MODEL_CACHE, "true", "true", "false", "0"),
                Arguments.of("warm instance: every tier on, the idle instance kept", CacheTierMode.WARM_INSTANCE,
                        "true", "true", "true", "86400"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void configuresKindlingForTheMode(String label, CacheTierMode mode, String image, String model, String peer, String cooldown) {
        Map<String, String> p = new CacheTiersScenario(100, 0.1, 0).kindlingProperties(mode, 9123);
        assertThat(p).containsEntry("kindling.cache.image-cache.enabled", image)
                .containsEntry("kindling.cache.model-cache.enabled", model)
                .containsEntry("kindling.cache.peer-fetch.enabled", peer)
                .containsEntry("kindling.scaler.default-instance-scale-in-cooldown-seconds", cooldown)
                .containsEntry("kindling.fleet.local.time-scale", "0.1")
                .containsEntry("kindling.fleet.local.network-gbps[ml.g6.2xlarge]", "0.05")
                .containsEntry("kindling.fleet.local.disk-write-mibps[ml.g6.2xlarge]", "1.25")
                .containsEntry("kindling.fleet.local.heartbeat-interval-millis", "100")
                .containsEntry("kindling.s3.embedded.port", "9123")
                .doesNotContainKey("kindling.fleet.local.launch-delay-seconds[ml.g6.2xlarge]");
    }

    @Test
    void overridesTheLaunchDelayOnlyWhenAskedTo() {
        CacheTiersScenario s = new CacheTiersScenario(100, 0.1, 0, 60);
        assertThat(s.catalogLaunchDelay()).isFalse();
        assertThat(s.kindlingProperties(CacheTierMode.NO_CACHES, 9000))
                .containsEntry("kindling.fleet.local.launch-delay-seconds[ml.g6.2xlarge]", "60.0");
        assertThat(new CacheTiersScenario(100, 0.1, 0).catalogLaunchDelay()).isTrue();
    }

    static Stream<Arguments> heartbeats() {
        return Stream.of(
                Arguments.of("a cloud second at 0.1", 0.1, 100L),
                Arguments.of("at 0.02 the floor of 50 ms", 0.02, 50L),
                Arguments.of("at 1, the cloud's second", 1.0, 1000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("heartbeats")
    void heartbeatsOnceACloudSecond(String label, double timeScale, long millis) {
        assertThat(new CacheTiersScenario(100, timeScale, 0).heartbeatIntervalMillis()).isEqualTo(millis);
    }

    @Test
    void estimatesTheColdScaleOutAsLaunchPlusTheDiskBoundFetch() {
        // 2 x 17.7 GB (blobs and unpacked) + 16 GB at 125 MiB/s is slower than 33.7 GB at 5 Gbps.
        double disk = (2 * 17.7e9 + 16e9) / (125.0 * (1 << 20));
        assertThat(new CacheTiersScenario(100, 0.1, 0).estimatedNoCacheCloudSeconds()).isCloseTo(150 + disk, within(1e-6));
        assertThat(new CacheTiersScenario(100, 0.1, 30).estimatedNoCacheCloudSeconds()).isCloseTo(180 + disk, within(1e-6));
        assertThat(new CacheTiersScenario(100, 0.1, 0).scaleOutTimeout().toSeconds()).isEqualTo(Math.round(4 * (150 + disk) * 0.1));
        assertThat(new CacheTiersScenario(100, 0.01, 0).scaleOutTimeout().toSeconds()).isEqualTo(120);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("scale 0", 0L, 0.1, 0.0, "--scale"),
                Arguments.of("scale past the network rate's floor", 5001L, 0.1, 0.0, "--scale"),
                Arguments.of("time scale 0 (nothing would be throttled)", 100L, 0.0, 0.0, "--time-scale"),
                Arguments.of("negative container start-up", 100L, 0.1, -1.0, "--container-startup-seconds"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesSettingsOutOfRangeNamingTheArgument(String label, long scale, double timeScale, double startup, String argument) {
        assertThatThrownBy(() -> new CacheTiersScenario(scale, timeScale, startup))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(argument);
    }
}
