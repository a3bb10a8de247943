package dev.kindling.load;

import org.HdrHistogram.Histogram;

/** The percentiles a benchmark reports, in milliseconds, from a histogram of microseconds. */
public record LatencySummary(double p50, double p90, double p99, double p999, double max, long count) {

    public static LatencySummary of(Histogram micros) {
        if (micros.getTotalCount() == 0) return new LatencySummary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        return new LatencySummary(millis(micros, 50), millis(micros, 90), millis(micros, 99), millis(micros, 99.9),
                micros.getMaxValue() / 1000.0, micros.getTotalCount());
    }

    private static double millis(Histogram micros, double percentile) {
        return micros.getValueAtPercentile(percentile) / 1000.0;
    }
}
