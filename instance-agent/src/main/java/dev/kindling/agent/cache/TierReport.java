package dev.kindling.agent.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a tiered fetch (image blobs or model objects) took from each tier, in resolution order, and every fallback
 * on the way with its cause.
 */
public record TierReport(Map<String, TierStats> tiers, List<String> fallbacks) {

    public TierReport {
        tiers = Collections.unmodifiableMap(new LinkedHashMap<>(tiers));
        fallbacks = List.copyOf(fallbacks);
    }

    /** Hits and bytes of one tier. */
    public record TierStats(int hits, long bytes) {}

    /** Counts hits and fallbacks while a fetch runs. */
    static final class Tally {
        private final Map<String, TierStats> tiers = new LinkedHashMap<>();
        private final List<String> fallbacks = new ArrayList<>();

        /** Starts with every tier at zero, in resolution order. */
        Tally(List<String> tierNames) {
            tierNames.forEach(t -> tiers.put(t, new TierStats(0, 0)));
        }

        void hit(String tier, long bytes) {
            hits(tier, 1, bytes);
        }

        void hits(String tier, int hits, long bytes) {
            tiers.compute(tier, (k, s) -> s == null ? new TierStats(hits, bytes) : new TierStats(s.hits() + hits, s.bytes() + bytes));
        }

        void fallback(String reason) {
            fallbacks.add(reason);
        }

        TierReport report() {
            return new TierReport(tiers, fallbacks);
        }
    }
}
