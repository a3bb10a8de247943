package dev.kindling.load;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One histogram read from a Prometheus text exposition: cumulative counts per upper bound ({@code le}), summed over
 * the series a filter keeps, with quantiles estimated the way PromQL's {@code histogram_quantile} does (linear
 * interpolation inside the bucket that holds the rank).
 *
 * @param cumulativeCounts observations at or below each upper bound, {@code +Inf} last
 * @param sum sum of all observations (the {@code _sum} series)
 */
public record PrometheusHistogram(NavigableMap<Double, Double> cumulativeCounts, double sum) {

    public PrometheusHistogram {
        cumulativeCounts = new TreeMap<>(cumulativeCounts);
    }

    /** The bucket a quantile falls into, and the estimate inside it. */
    public record Quantile(double value, double bucketLowerBound, double bucketUpperBound) {}

    /**
     * The histogram {@code name} (its {@code name_bucket} and {@code name_sum} series) summed over every series whose
     * labels (without {@code le}) {@code series} accepts; empty when the exposition has no bucket of it.
     */
    public static Optional<PrometheusHistogram> parse(String exposition, String name,
                                                      Predicate<Map<String, String>> series) {
        NavigableMap<Double, Double> counts = new TreeMap<>();
        double sum = 0;
        for (String raw : exposition.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int exemplar = line.indexOf(" # ");
            if (exemplar >= 0) line = line.substring(0, exemplar);
            boolean bucket = line.startsWith(name + "_bucket");
            boolean sumLine = line.startsWith(name + "_sum");
            if (!bucket && !sumLine) continue;
            String rest = line.substring(name.length() + (bucket ? "_bucket".length() : "_sum".length()));
            Map<String, String> labels = new HashMap<>();
            if (rest.startsWith("{")) {
                int close = rest.lastIndexOf('}');
                labels = labels(rest.substring(1, close));
                rest = rest.substring(close + 1);
            } else if (!rest.isEmpty() && !Character.isWhitespace(rest.charAt(0))) {
                continue; // another metric whose name starts with this one
            }
            String le = labels.remove("le");
            if (!series.test(labels)) continue;
            double value = Double.parseDouble(rest.strip().split("\\s+")[0]);
            if (sumLine) {
                sum += value;
            } else if (le != null) {
                counts.merge(bound(le), value, Double::sum);
            }
        }
        return counts.isEmpty() ? Optional.empty() : Optional.of(new PrometheusHistogram(counts, sum));
    }

    /** Observations in this histogram that {@code earlier} (a scrape of the same histogram before) did not have. */
    public PrometheusHistogram minus(PrometheusHistogram earlier) {
        NavigableMap<Double, Double> counts = new TreeMap<>();
        cumulativeCounts.forEach((le, c) -> counts.put(le, c - earlier.cumulativeCounts.getOrDefault(le, 0.0)));
        return new PrometheusHistogram(counts, sum - earlier.sum);
    }

    /** How many observations it holds. */
    public double count() {
        return cumulativeCounts.isEmpty() ? 0 : cumulativeCounts.lastEntry().getValue();
    }

    /** Mean of the observations; empty when there are none. */
    public OptionalDouble mean() {
        return count() > 0 ? OptionalDouble.of(sum / count()) : OptionalDouble.empty();
    }

    /**
     * The {@code q} quantile (0 to 1) as {@code histogram_quantile} estimates it: empty when there are no observations;
     * when the rank falls into the {@code +Inf} bucket, the highest finite bound.
     */
    public Optional<Quantile> quantile(double q) {
        double total = count();
        if (total <= 0) return Optional.empty();
        double rank = q * total;
        double lower = 0;
        double below = 0;
        for (Map.Entry<Double, Double> e : cumulativeCounts.entrySet()) {
            double upper = e.getKey();
            double cumulative = e.getValue();
            if (cumulative >= rank && cumulative > below) {
                if (upper == Double.POSITIVE_INFINITY) return Optional.of(new Quantile(lower, lower, upper));
                double value = lower + (upper - lower) * (rank - below) / (cumulative - below);
                return Optional.of(new Quantile(value, lower, upper));
            }
            lower = upper;
            below = cumulative;
        }
        return Optional.of(new Quantile(lower, lower, lower));
    }

    private static double bound(String le) {
        return switch (le) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            default -> Double.parseDouble(le);
        };
    }

    /** {@code a="x",b="y"} into a map; values may hold escaped quotes, commas and braces. */
    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            if (eq < 0) break;
            String key = text.substring(i, eq).strip();
            int open = text.indexOf('"', eq);
            StringBuilder value = new StringBuilder();
            int j = open + 1;
            while (j < text.length() && text.charAt(j) != '"') {
                char ch = text.charAt(j);
                if (ch == '\\' && j + 1 < text.length()) {
                    char next = text.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(ch);
                }
                j++;
            }
            labels.put(key, value.toString());
            i = text.indexOf(',', j);
            if (i < 0) break;
            i++;
        }
        return labels;
    }
}
