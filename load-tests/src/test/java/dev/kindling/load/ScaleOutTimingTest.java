package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ScaleOutTimingTest {

    private static final Instant REQUESTED = Instant.parse("2025-01-01T00:00:00Z");

    /** A copy as the copies API lists it once InService, its phases {@code seconds} after the request. */
    static JsonNode copy(double imageStart, double imageEnd, double modelStart, double modelEnd, double healthyAt, double readyAt,
                         String tiers) {
        return KindlingApi.json("""
                {"copyId":"c-1","instanceId":"ki-2","status":"InService","readyAt":"%s",
                 "startup":{"phases":[
                   {"name":"image","startedAt":"%s","endedAt":"%s","bytesDone":10,"bytesTotal":10},
                   {"name":"model","startedAt":"%s","endedAt":"%s"},
                   {"name":"container-start","startedAt":"%s","endedAt":"%s"},
                   {"name":"health-check","startedAt":"%s","endedAt":"%s"}],
                  "tiers":%s,"fallbacks":[]}}""".formatted(at(readyAt), at(imageStart), at(imageEnd), at(modelStart), at(modelEnd),
                at(Math.max(imageEnd, modelEnd)), at(healthyAt - 0.05), at(healthyAt - 0.05), at(healthyAt), tiers));
    }

    static JsonNode instance(double launchedAt, double registeredAt) {
        return KindlingApi.json("""
                {"instanceId":"ki-2","status":"InService","launchedAt":"%s","registeredAt":"%s"}"""
                .formatted(at(launchedAt), at(registeredAt)));
    }

    static String at(double seconds) {
        return REQUESTED.plusMillis(Math.round(seconds * 1000)).toString();
    }

    @Test
    void splitsAScaleOutOntoANewInstanceIntoSegmentsThatAddUpToTheTotal() {
        JsonNode copy = copy(3.2, 9.0, 3.2, 10.0, 10.2, 10.3, """
                [{"artifact":"image","tier":"registry","hits":7,"bytes":177000000},
                 {"artifact":"model","tier":"s3","hits":6,"bytes":150000000},
                 {"artifact":"model","tier":"s3","hits":1,"bytes":10000000}]""");
        ScaleOutTiming t = ScaleOutTiming.of(REQUESTED, copy, instance(0.1, 3.1), true);

        assertThat(t.newInstance()).isTrue();
        assertThat(t.launchSeconds()).isCloseTo(0.1, within(1e-9));
        assertThat(t.provisionSeconds()).isCloseTo(3.0, within(1e-9));
        assertThat(t.assignSeconds()).isCloseTo(0.1, within(1e-9));
        assertThat(t.imageSeconds()).isCloseTo(5.8, within(1e-9));
        assertThat(t.modelSeconds()).isCloseTo(6.8, within(1e-9));
        assertThat(t.fetchSeconds()).isCloseTo(6.8, within(1e-9));
        assertThat(t.startSeconds()).isCloseTo(0.2, within(1e-9));
        assertThat(t.reportingSeconds()).isCloseTo(0.1, within(1e-9));
        assertThat(t.totalSeconds()).isCloseTo(10.3, within(1e-9));
        assertThat(t.launchSeconds() + t.provisionSeconds() + t.assignSeconds() + t.fetchSeconds() + t.startSeconds()
                + t.reportingSeconds()).isCloseTo(t.totalSeconds(), within(1e-9));
        assertThat(t.otherSeconds()).isCloseTo(0.3, within(1e-9));
        assertThat(t.tierBytes("model")).isEqualTo(Map.of("s3", 160_000_000L));
        assertThat(t.mainTier("image")).isEqualTo("registry");
    }

    @Test
    void onAnExistingInstanceEverythingBeforeTheFetchIsScheduling() {
        JsonNode copy = copy(0.15, 0.16, 0.15, 0.17, 0.2, 0.25, """
                [{"artifact":"image","tier":"local","hits":7,"bytes":177000000},
                 {"artifact":"model","tier":"local","hits":7,"bytes":160000000}]""");
        ScaleOutTiming t = ScaleOutTiming.of(REQUESTED, copy, instance(-100, -97), false);

        assertThat(t.launchSeconds()).isZero();
        assertThat(t.provisionSeconds()).isZero();
        assertThat(t.assignSeconds()).isCloseTo(0.15, within(1e-9));
        assertThat(t.fetchSeconds()).isCloseTo(0.02, within(1e-9));
        assertThat(t.totalSeconds()).isCloseTo(0.25, within(1e-9));
        assertThat(t.mainTier("model")).isEqualTo("local");
    }

    @Test
    void theMainTierIsTheOneThatServedTheMostBytes() {
        JsonNode copy = copy(1, 2, 1, 2, 2.2, 2.3, """
                [{"artifact":"image","tier":"endpoint-image-cache","hits":6,"bytes":176000000},
                 {"artifact":"image","tier":"registry","hits":1,"bytes":1000000}]""");
        ScaleOutTiming t = ScaleOutTiming.of(REQUESTED, copy, instance(0, 0.5), true);
        assertThat(t.mainTier("image")).isEqualTo("endpoint-image-cache");
        assertThat(t.mainTier("model")).isNull();
    }

    @Test
    void aCopyWithoutFetchPhasesOrAnUnfinishedPhaseIsRefused() {
        JsonNode none = KindlingApi.json("""
                {"copyId":"c-1","readyAt":"%s","startup":{"phases":[],"tiers":[]}}""".formatted(at(1)));
        assertThatThrownBy(() -> ScaleOutTiming.of(REQUESTED, none, instance(0, 0.5), true))
                .hasMessageContaining("no image or model phase");
        JsonNode running = KindlingApi.json("""
                {"copyId":"c-1","readyAt":"%s","startup":{"phases":[{"name":"image","startedAt":"%s"}],"tiers":[]}}"""
                .formatted(at(1), at(0.5)));
        assertThatThrownBy(() -> ScaleOutTiming.of(REQUESTED, running, instance(0, 0.5), true))
                .hasMessageContaining("endedAt");
    }
}
