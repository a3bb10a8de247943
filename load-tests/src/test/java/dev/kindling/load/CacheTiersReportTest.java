package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CacheTiersReportTest {

    private static final double TIME_SCALE = 0.02;

    /** A scale-out onto a new instance whose segments add up to {@code total} real seconds. */
    static ScaleOutTiming onNewInstance(double total, double image, double model, Map<String, Long> tiers) {
        double fetch = Math.max(image, model);
        double provision = 3.0, start = 0.01, launch = 0.02, assign = 0.03;
        double reporting = total - launch - provision - assign - fetch - start;
        return new ScaleOutTiming(true, launch, provision, assign, image, model, fetch, start, reporting, total, tiers);
    }

    static ScaleOutTiming onWarmInstance(double total) {
        return new ScaleOutTiming(false, 0, 0, total / 2, 0.001, 0.001, 0.001, 0.01, total / 2 - 0.011, total,
                Map.of("image/local", 177_000_000L, "model/local", 160_000_000L));
    }

    static final Map<String, Long> COLD = Map.of("image/registry", 177_000_000L, "model/s3", 160_000_000L);
    static final Map<String, Long> IMAGE_CACHED = Map.of("image/endpoint-image-cache", 177_000_000L, "model/s3", 160_000_000L);

    /** No caches 10.8 s real (median of three), image cache 5.4 (0.50x), image + model 3.24 (0.30x), warm not run. */
    static CacheTiersReport report() {
        return new CacheTiersReport(TIME_SCALE, List.of(
                CacheTiersReport.ModeResult.measured(CacheTierMode.NO_CACHES, List.of(onNewInstance(11.0, 6.6, 7.7, COLD),
                        onNewInstance(10.8, 6.5, 7.6, COLD), onNewInstance(10.0, 6.0, 7.0, COLD))),
                CacheTiersReport.ModeResult.measured(CacheTierMode.IMAGE_CACHE, List.of(onNewInstance(5.4, 1.0, 2.3, IMAGE_CACHED))),
                CacheTiersReport.ModeResult.measured(CacheTierMode.IMAGE_AND_MODEL_CACHE,
                        List.of(onNewInstance(3.24, 0.1, 0.1, IMAGE_CACHED), onNewInstance(3.24, 0.1, 0.1, IMAGE_CACHED))),
                CacheTiersReport.ModeResult.failed(CacheTierMode.WARM_INSTANCE, "this Kindling has no per-endpoint caches")));
    }

    static Stream<Arguments> verdicts() {
        return Stream.of(
                Arguments.of("no caches is the baseline", CacheTierMode.NO_CACHES, 1.0, "baseline"),
                Arguments.of("image cache at 0.50x meets 0.55x", CacheTierMode.IMAGE_CACHE, 0.5, "MET"),
                Arguments.of("image + model at 0.30x misses 0.25x", CacheTierMode.IMAGE_AND_MODEL_CACHE, 0.3, "NOT MET"),
                Arguments.of("a mode that did not run has no ratio", CacheTierMode.WARM_INSTANCE, null, "NOT RUN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("verdicts")
    void judgesEachModeByItsMedianTotalOverTheBaselines(String label, CacheTierMode mode, Double ratio, String verdict) {
        CacheTiersReport report = report();
        CacheTiersReport.ModeResult r = report.results().stream().filter(x -> x.mode().equals(mode)).findFirst().orElseThrow();
        if (ratio == null) assertThat(report.ratio(r)).isNull();
        else assertThat(report.ratio(r)).isCloseTo(ratio, within(1e-9));
        assertThat(report.verdict(r)).isEqualTo(verdict);
        assertThat(report.allTargetsMet()).isFalse();
    }

    @Test
    void mediansAreInCloudSeconds() {
        CacheTiersReport report = report();
        CacheTiersReport.Medians m = report.medians(report.results().getFirst());
        assertThat(m.total()).isCloseTo(10.8 / TIME_SCALE, within(1e-6));
        assertThat(m.image()).isCloseTo(6.5 / TIME_SCALE, within(1e-6));
        assertThat(m.model()).isCloseTo(7.6 / TIME_SCALE, within(1e-6));
        assertThat(m.provision()).isCloseTo(150, within(1e-6));
    }

    @Test
    void aRatioBelowATenthKeepsThreeDecimals() {
        assertThat(CacheTiersReport.times(0.004)).isEqualTo("0.004x");
        assertThat(CacheTiersReport.times(0.48)).isEqualTo("0.48x");
    }

    @Test
    void withoutTheBaselineNoModeHasAVerdict() {
        CacheTiersReport report = new CacheTiersReport(TIME_SCALE, List.of(
                CacheTiersReport.ModeResult.measured(CacheTierMode.WARM_INSTANCE, List.of(onWarmInstance(0.1)))));
        assertThat(report.verdict(report.results().getFirst())).isEqualTo("no baseline");
        assertThat(report.allTargetsMet()).isFalse();
    }

    @Test
    void everyModeMeetingItsTargetIsAllMet() {
        CacheTiersReport report = new CacheTiersReport(TIME_SCALE, List.of(
                CacheTiersReport.ModeResult.measured(CacheTierMode.NO_CACHES, List.of(onNewInstance(10, 6, 7, COLD))),
                CacheTiersReport.ModeResult.measured(CacheTierMode.WARM_INSTANCE, List.of(onWarmInstance(0.1)))));
        assertThat(report.allTargetsMet()).isTrue();
    }

    @Test
    void thePhaseTableHasARowPerModeWithMediansRatiosAndVerdicts() {
        String table = report().phaseTable();
        assertThat(table.lines()).hasSize(6);
        assertThat(table).contains("| no caches (registry + S3) | 3 | 150.0 | 325.0 | 380.0 | 380.0 | 0.5 |")
                .contains("| 540.0 | 1.00x | — | baseline |")
                .contains("| image cache only | 1 |").contains("| 270.0 | 0.50x | ≤ 0.55x | MET |")
                .contains("| 162.0 | 0.30x | ≤ 0.25x | NOT MET |")
                .contains("| warm existing instance | 0 |").contains("NOT RUN: this Kindling has no per-endpoint caches |");
    }

    @Test
    void theTierTableShowsTheBytesEachTierServedPerModeAndArtifact() {
        String table = report().tierTable();
        assertThat(table.lines().findFirst().orElseThrow())
                .isEqualTo("| mode | artifact | local | endpoint-image-cache | endpoint-model-cache | peer | registry | s3 |");
        assertThat(table).contains("| no caches (registry + S3) | image | — | — | — | — | 177.0 MB | — |")
                .contains("| image cache only | image | — | 177.0 MB | — | — | — | — |")
                .doesNotContain("warm existing instance");
    }

    @Test
    void warnsOfAScaleOutServedByAnotherTierThanItsModeMeasures() {
        // The image + model mode's model came from S3: its model cache was not used.
        assertThat(report().tierWarnings()).containsExactly(
                "image-model-cache, scale-out 1: the model came mostly from s3 ({s3=160000000}), expected endpoint-model-cache",
                "image-model-cache, scale-out 2: the model came mostly from s3 ({s3=160000000}), expected endpoint-model-cache");
    }

    @Test
    void chartRowsLayThePhasesEndToEndWithImageAndModelSideBySide() {
        List<PhaseChart.Row> rows = report().chartRows();
        assertThat(rows).extracting(PhaseChart.Row::label).containsExactly("no caches (registry + S3)", "image cache only",
                "image + model cache", "warm existing instance");
        PhaseChart.Row cold = rows.getFirst();
        assertThat(cold.note()).isEqualTo("540 s (1.00x)");
        assertThat(cold.segments()).extracting(PhaseChart.Segment::phase).containsExactly(CacheTiersReport.CONTROL_PLANE,
                CacheTiersReport.PROVISION, CacheTiersReport.CONTROL_PLANE, CacheTiersReport.IMAGE, CacheTiersReport.MODEL,
                CacheTiersReport.START, CacheTiersReport.CONTROL_PLANE);
        PhaseChart.Segment image = cold.segments().get(3), model = cold.segments().get(4), start = cold.segments().get(5);
        assertThat(image.lane()).isEqualTo(PhaseChart.Lane.UPPER);
        assertThat(model.lane()).isEqualTo(PhaseChart.Lane.LOWER);
        assertThat(model.start()).isEqualTo(image.start());
        assertThat(start.start()).isCloseTo(model.end(), within(1e-9));
        assertThat(cold.marker()).isNull();
        assertThat(rows.get(1).marker()).isCloseTo(0.55 * 540, within(1e-6));
        assertThat(rows.get(2).note()).isEqualTo("162 s (0.30x)");
        assertThat(rows.getLast().segments()).isEmpty();
        assertThat(rows.getLast().note()).isEqualTo("not run");
    }
}
