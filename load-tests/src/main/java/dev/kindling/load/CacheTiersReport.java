package dev.kindling.load;

import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The cache-tier benchmark's results: per mode, the medians of each phase in cloud seconds (measured seconds divided
 * by the time scale), the ratio of the median total to the no-caches mode's, and whether the mode's target was met;
 * which tier served how many bytes; and the rows of the chart.
 */
public final class CacheTiersReport {

    /** The tiers in resolution order, as agents name them; a tier not listed here gets a column after them. */
    static final List<String> TIERS = List.of("local", "endpoint-image-cache", "endpoint-model-cache", "peer", "registry", "s3");

    static final String CONTROL_PLANE = "control plane (placement, heartbeats)";
    static final String PROVISION = "provision (launch to registered)";
    static final String IMAGE = "image";
    static final String MODEL = "model (beside the image)";
    static final String START = "container start + health check";

    /** What one mode gave: its measured scale-outs, or why it could not run (then {@code scaleOuts} is empty). */
    public record ModeResult(CacheTierMode mode, List<ScaleOutTiming> scaleOuts, String failure) {
        public ModeResult {
            scaleOuts = List.copyOf(scaleOuts);
        }

        public static ModeResult measured(CacheTierMode mode, List<ScaleOutTiming> scaleOuts) {
            if (scaleOuts.isEmpty()) throw new IllegalArgumentException("mode " + mode + " measured no scale-out");
            return new ModeResult(mode, scaleOuts, null);
        }

        public static ModeResult failed(CacheTierMode mode, String reason) {
            return new ModeResult(mode, List.of(), reason);
        }

        public boolean ran() {
            return failure == null;
        }
    }

    /** Per-phase medians of one mode, in cloud seconds. */
    public record Medians(double launch, double provision, double assign, double image, double model, double fetch,
                          double start, double reporting, double other, double total) {}

    private final double timeScale;
    private final List<ModeResult> results;

    public CacheTiersReport(double timeScale, List<ModeResult> results) {
        if (!(timeScale > 0)) throw new IllegalArgumentException("time scale must be > 0, was " + timeScale);
        this.timeScale = timeScale;
        this.results = List.copyOf(results);
    }

    public List<ModeResult> results() {
        return results;
    }

    /** The mode's per-phase medians scaled back to cloud time. */
    public Medians medians(ModeResult r) {
        if (!r.ran()) throw new IllegalArgumentException("mode " + r.mode() + " did not run: " + r.failure());
        List<ScaleOutTiming> s = r.scaleOuts();
        return new Medians(cloud(s, ScaleOutTiming::launchSeconds), cloud(s, ScaleOutTiming::provisionSeconds),
                cloud(s, ScaleOutTiming::assignSeconds), cloud(s, ScaleOutTiming::imageSeconds),
                cloud(s, ScaleOutTiming::modelSeconds), cloud(s, ScaleOutTiming::fetchSeconds),
                cloud(s, ScaleOutTiming::startSeconds), cloud(s, ScaleOutTiming::reportingSeconds),
                cloud(s, ScaleOutTiming::otherSeconds), cloud(s, ScaleOutTiming::totalSeconds));
    }

    /** The mode's median total over the no-caches mode's, or null when either did not run. */
    public Double ratio(ModeResult r) {
        ModeResult base = baseline();
        if (base == null || !r.ran()) return null;
        return medians(r).total() / medians(base).total();
    }

    /** MET, NOT MET, "baseline", or why there is no verdict. */
    public String verdict(ModeResult r) {
        if (r.mode().targetRatio() == null) return r.ran() ? "baseline" : "NOT RUN";
        if (!r.ran()) return "NOT RUN";
        Double ratio = ratio(r);
        if (ratio == null) return "no baseline";
        return ratio <= r.mode().targetRatio() ? "MET" : "NOT MET";
    }

    /** Whether every mode ran and every target was met. */
    public boolean allTargetsMet() {
        return results.stream().allMatch(r -> r.ran() && (r.mode().targetRatio() == null || "MET".equals(verdict(r))));
    }

    /** The Markdown table of per-phase medians, ratios and targets. */
    public String phaseTable() {
        StringBuilder b = new StringBuilder();
        b.append("| mode | reps | provision s | image s | model s | image ‖ model s | start + health s | other s | total s "
                + "| vs no caches | target | result |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (ModeResult r : results) {
            String target = r.mode().targetRatio() == null ? "—" : String.format(Locale.ROOT, "≤ %.2fx", r.mode().targetRatio());
            if (!r.ran()) {
                b.append(String.format(Locale.ROOT, "| %s | 0 | | | | | | | | | %s | NOT RUN: %s |\n", r.mode().title(), target,
                        r.failure().replace('|', '/').replace('\n', ' ')));
                continue;
            }
            Medians m = medians(r);
            Double ratio = ratio(r);
            b.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s | %s |\n",
                    r.mode().title(), r.scaleOuts().size(), m.provision(), m.image(), m.model(), m.fetch(), m.start(),
                    m.other(), m.total(), ratio == null ? "—" : times(ratio), target, verdict(r)));
        }
        return b.toString();
    }

    /** The Markdown table of bytes each tier served per mode and artifact (median over the scale-outs, MB). */
    public String tierTable() {
        Set<String> tiers = new LinkedHashSet<>(TIERS);
        for (ModeResult r : results) {
            for (ScaleOutTiming t : r.scaleOuts()) {
                for (String artifact : List.of("image", "model")) tiers.addAll(t.tierBytes(artifact).keySet());
            }
        }
        StringBuilder b = new StringBuilder("| mode | artifact | " + String.join(" | ", tiers) + " |\n");
        b.append("| --- | --- |").append(" ---: |".repeat(tiers.size())).append('\n');
        for (ModeResult r : results) {
            if (!r.ran()) continue;
            for (String artifact : List.of("image", "model")) {
                b.append("| ").append(r.mode().title()).append(" | ").append(artifact).append(" |");
                for (String tier : tiers) {
                    double mb = median(r.scaleOuts().stream().map(t -> t.tierBytes(artifact).getOrDefault(tier, 0L) / 1e6).toList());
                    b.append(mb == 0 ? " — |" : String.format(Locale.ROOT, " %.1f MB |", mb));
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /** Scale-outs whose artifact came mostly from another tier than the mode expects: the mode did not measure itself. */
    public List<String> tierWarnings() {
        List<String> warnings = new ArrayList<>();
        for (ModeResult r : results) {
            for (int i = 0; i < r.scaleOuts().size(); i++) {
                ScaleOutTiming t = r.scaleOuts().get(i);
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.mode().expectedTiers()).entrySet()) {
                    String main = t.mainTier(e.getKey());
                    if (!e.getValue().equals(main)) {
                        warnings.add(String.format(Locale.ROOT, "%s, scale-out %d: the %s came mostly from %s (%s), expected %s",
                                r.mode().id(), i + 1, e.getKey(), main == null ? "no tier" : main, t.tierBytes(e.getKey()),
                                e.getValue()));
                    }
                }
            }
        }
        return warnings;
    }

    /** The chart's phases, in legend order. */
    public static List<PhaseChart.Phase> chartPhases() {
        return List.of(new PhaseChart.Phase(CONTROL_PLANE, new Color(0xA0, 0xA0, 0xA0)),
                new PhaseChart.Phase(PROVISION, new Color(0x4C, 0x72, 0xB0)),
                new PhaseChart.Phase(IMAGE, new Color(0xDD, 0x84, 0x52)),
                new PhaseChart.Phase(MODEL, new Color(0x55, 0xA8, 0x68)),
                new PhaseChart.Phase(START, new Color(0x81, 0x72, 0xB3)));
    }

    /**
     * One bar per mode, the per-phase medians end to end in the order they happen; image and model share their
     * stretch (the longer of the two medians), one above the other; the mode's target (its ratio times the no-caches
     * median) is the bar's marker. A mode that did not run gets an empty bar.
     */
    public List<PhaseChart.Row> chartRows() {
        List<PhaseChart.Row> rows = new ArrayList<>();
        for (ModeResult r : results) {
            if (!r.ran()) {
                rows.add(new PhaseChart.Row(r.mode().title(), List.of(), "not run"));
                continue;
            }
            Medians m = medians(r);
            List<PhaseChart.Segment> segments = new ArrayList<>();
            double at = 0;
            at = add(segments, CONTROL_PLANE, at, m.launch(), PhaseChart.Lane.FULL);
            at = add(segments, PROVISION, at, m.provision(), PhaseChart.Lane.FULL);
            at = add(segments, CONTROL_PLANE, at, m.assign(), PhaseChart.Lane.FULL);
            add(segments, IMAGE, at, m.image(), PhaseChart.Lane.UPPER);
            add(segments, MODEL, at, m.model(), PhaseChart.Lane.LOWER);
            at += Math.max(m.image(), m.model());
            at = add(segments, START, at, m.start(), PhaseChart.Lane.FULL);
            add(segments, CONTROL_PLANE, at, m.reporting(), PhaseChart.Lane.FULL);
            Double ratio = ratio(r);
            ModeResult base = baseline();
            Double target = base == null || r.mode().targetRatio() == null ? null : r.mode().targetRatio() * medians(base).total();
            rows.add(new PhaseChart.Row(r.mode().title(), segments, String.format(Locale.ROOT, "%.0f s%s", m.total(),
                    ratio == null ? "" : " (" + times(ratio) + ")"), target));
        }
        return rows;
    }

    /** A ratio as "0.48x"; below 0.1 with three decimals, so a warm start's 0.004x does not read as nothing. */
    static String times(double ratio) {
        return String.format(Locale.ROOT, ratio < 0.1 ? "%.3fx" : "%.2fx", ratio);
    }

    private static double add(List<PhaseChart.Segment> segments, String phase, double at, double length, PhaseChart.Lane lane) {
        // A median a hair below zero (clock granularity between two reports) is nothing to draw.
        double l = Math.max(0, length);
        if (l > 0) segments.add(new PhaseChart.Segment(phase, at, l, lane));
        return at + l;
    }

    private ModeResult baseline() {
        return results.stream().filter(r -> r.mode().targetRatio() == null && r.ran()).findFirst().orElse(null);
    }

    private double cloud(List<ScaleOutTiming> s, ToDoubleFunction<ScaleOutTiming> f) {
        return median(s.stream().map(t -> f.applyAsDouble(t)).toList()) / timeScale;
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
