package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrometheusHistogramTest {

    private static final String NAME = "kindling_invocation_overhead_latency_seconds";

    /** Two components' series of one histogram, as Micrometer writes them, with another metric that shares a prefix. */
    private static final String EXPOSITION = """
            # HELP kindling_invocation_overhead_latency_seconds Time the router adds
            # TYPE kindling_invocation_overhead_latency_seconds histogram
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="a",endpoint="ep",le="0.001"} 60.0
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="a",endpoint="ep",le="0.002"} 90.0
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="a",endpoint="ep",le="0.004"} 100.0
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="a",endpoint="ep",le="+Inf"} 100.0
            kindling_invocation_overhead_latency_seconds_count{application="kindling",component="a",endpoint="ep"} 100.0
            kindling_invocation_overhead_latency_seconds_sum{application="kindling",component="a",endpoint="ep"} 0.1
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="b",endpoint="other",le="0.001"} 0.0
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="b",endpoint="other",le="0.002"} 0.0
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="b",endpoint="other",le="0.004"} 0.0
            kindling_invocation_overhead_latency_seconds_bucket{application="kindling",component="b",endpoint="other",le="+Inf"} 100.0
            kindling_invocation_overhead_latency_seconds_sum{application="kindling",component="b",endpoint="other"} 900.0
            kindling_invocation_overhead_latency_seconds_max{application="kindling",component="a",endpoint="ep"} 0.0035
            kindling_invocation_overhead_latency_seconds_extra_bucket{le="0.001"} 5.0
            """;

    private static PrometheusHistogram of(String endpoint) {
        return PrometheusHistogram.parse(EXPOSITION, NAME, l -> endpoint == null || endpoint.equals(l.get("endpoint")))
                .orElseThrow();
    }

    static Stream<Arguments> quantiles() {
        return Stream.of(
                Arguments.of("p50 inside the first bucket, interpolated from 0", "ep", 0.5, 0.000833, 0.0, 0.001),
                Arguments.of("p60 at the first bucket's bound", "ep", 0.6, 0.001, 0.0, 0.001),
                Arguments.of("p75 halfway through the second bucket", "ep", 0.75, 0.0015, 0.001, 0.002),
                Arguments.of("p99 in the last finite bucket", "ep", 0.99, 0.0038, 0.002, 0.004),
                Arguments.of("all series: p99 in +Inf gives the highest finite bound", null, 0.99, 0.004, 0.004,
                        Double.POSITIVE_INFINITY),
                Arguments.of("all series: p25 in the first bucket", null, 0.25, 0.000833, 0.0, 0.001));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quantiles")
    void estimatesQuantilesAsHistogramQuantileDoes(String label, String endpoint, double q, double value, double lower,
                                                   double upper) {
        PrometheusHistogram.Quantile quantile = of(endpoint).quantile(q).orElseThrow();
        assertThat(quantile.value()).isCloseTo(value, within(1e-6));
        assertThat(quantile.bucketLowerBound()).isEqualTo(lower);
        assertThat(quantile.bucketUpperBound()).isEqualTo(upper);
    }

    @Test
    void sumsTheSeriesTheFilterKeepsAndIgnoresOtherMetrics() {
        PrometheusHistogram all = of(null);
        assertThat(all.count()).isEqualTo(200.0);
        assertThat(all.cumulativeCounts()).containsEntry(0.001, 60.0).containsEntry(Double.POSITIVE_INFINITY, 200.0);
        assertThat(all.sum()).isEqualTo(900.1, within(1e-9));
        assertThat(of("ep").count()).isEqualTo(100.0);
        assertThat(of("ep").mean().orElseThrow()).isCloseTo(0.001, within(1e-9));
    }

    @Test
    void theDifferenceOfTwoScrapesHoldsOnlyTheObservationsBetweenThem() {
        String before = """
                kindling_invocation_overhead_latency_seconds_bucket{endpoint="ep",le="0.001"} 50.0
                kindling_invocation_overhead_latency_seconds_bucket{endpoint="ep",le="0.002"} 50.0
                kindling_invocation_overhead_latency_seconds_bucket{endpoint="ep",le="0.004"} 50.0
                kindling_invocation_overhead_latency_seconds_bucket{endpoint="ep",le="+Inf"} 50.0
                kindling_invocation_overhead_latency_seconds_sum{endpoint="ep"} 0.02
                """;
        PrometheusHistogram delta = of("ep").minus(PrometheusHistogram.parse(before, NAME, l -> true).orElseThrow());
        assertThat(delta.count()).isEqualTo(50.0);
        assertThat(delta.cumulativeCounts()).containsEntry(0.001, 10.0).containsEntry(0.002, 40.0);
        assertThat(delta.quantile(0.5).orElseThrow().value()).isCloseTo(0.0015, within(1e-9));
        assertThat(delta.sum()).isCloseTo(0.08, within(1e-9));
    }

    @Test
    void noBucketsIsNoHistogramAndNoObservationsIsNoQuantile() {
        assertThat(PrometheusHistogram.parse("jvm_threads_live_threads 12.0\n", NAME, l -> true)).isEmpty();
        String zero = NAME + "_bucket{le=\"0.001\"} 0.0\n" + NAME + "_bucket{le=\"+Inf\"} 0.0\n";
        PrometheusHistogram empty = PrometheusHistogram.parse(zero, NAME, l -> true).orElseThrow();
        assertThat(empty.quantile(0.99)).isEmpty();
        assertThat(empty.mean()).isEmpty();
    }

    @Test
    void labelValuesMayHoldEscapedQuotesCommasAndBraces() {
        String text = NAME + "_bucket{path=\"/a,\\\"b\\\"}\",le=\"1.0\"} 3.0 1700000000000\n"
                + NAME + "_bucket{path=\"/a,\\\"b\\\"}\",le=\"+Inf\"} 4.0 # {trace_id=\"x\"} 0.5\n";
        PrometheusHistogram h = PrometheusHistogram.parse(text, NAME, l -> "/a,\"b\"}".equals(l.get("path"))).orElseThrow();
        assertThat(h.cumulativeCounts()).isEqualTo(Map.of(1.0, 3.0, Double.POSITIVE_INFINITY, 4.0));
    }
}
