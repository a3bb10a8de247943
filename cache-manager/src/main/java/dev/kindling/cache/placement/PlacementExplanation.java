package dev.kindling.cache.placement;

import java.util.List;
import java.util.Locale;

/**
 * Why a copy went where it went: every instance placement looked at, how it ranked them, and the reason for the
 * choice in one sentence. For a copy that found no room, {@code instanceId} is null and the candidates say what
 * each instance was short of.
 *
 * @param instanceId where the copy went, or null when no instance had room
 * @param neededBytes the bytes of image and model the copy needs, when some instance's inventory tells their sizes
 *                    (null when no instance holds one of them)
 * @param candidates those that fit first, by rank; then those that do not, by id
 */
public record PlacementExplanation(String instanceId, String reason, Long neededBytes, List<Candidate> candidates) {

    public PlacementExplanation {
        candidates = List.copyOf(candidates);
    }

    /**
     * One instance as placement saw it for this copy, before the copy was placed.
     *
     * @param whyNot which resources are short (or over-committed), null when the copy fits
     * @param free what the instance has free
     * @param warmBytes bytes of this copy's image and model the instance already holds
     * @param copiesOfComponent copies of the same component it runs (spread)
     * @param rank 1 for the best of those that fit; null for one that does not fit
     */
    public record Candidate(String instanceId, boolean fits, String whyNot, Resources free, long warmBytes,
                            int copiesOfComponent, Integer rank) {}

    /** The same explanation with another reason, for callers that know more of the story (a launch made for it). */
    public PlacementExplanation withReason(String newReason) {
        return new PlacementExplanation(instanceId, newReason, neededBytes, candidates);
    }

    /** Bytes in decimal units, as sizes of images and models are quoted ("177 MB", "17.7 GB"). */
    public static String bytes(long n) {
        if (n < 1000) return n + (n == 1 ? " byte" : " bytes");
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        // Three significant digits at most, no trailing ".0": 1.5 kB, 17.7 GB, 16 GB, 177 MB.
        String digits = v < 100 ? String.format(Locale.ROOT, "%.1f", v) : Long.toString(Math.round(v));
        return (digits.endsWith(".0") ? digits.substring(0, digits.length() - 2) : digits) + " " + units[u];
    }
}
