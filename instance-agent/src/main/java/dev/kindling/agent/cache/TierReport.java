package dev.kindling.agent.cache;

import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a tiered fetch (image blobs or model objects) took from each tier, in resolution order, every fallback on the
 * way with its cause, the tier that served each blob or object, and the faults found in cache tiers (each once).
 */
public record TierReport(Map<String, TierStats> tiers, List<String> fallbacks, List<BlobSource> blobs,
                         List<CacheFault> faults) {

    public TierReport {
        tiers = Collections.unmodifiableMap(new LinkedHashMap<>(tiers));
        fallbacks = List.copyOf(fallbacks);
        blobs = List.copyOf(blobs);
        faults = List.copyOf(faults);
    }

    public TierReport(Map<String, TierStats> tiers, List<String> fallbacks) {
        this(tiers, fallbacks, List.of(), List.of());
    }

    /** Hits and bytes of one tier. */
    public record TierStats(int hits, long bytes) {}

    /** Counts hits, sources, fallbacks and faults while a fetch runs; blobs may be landed from several threads. */
    static final class Tally {
        private final String artifact;
        private final Map<String, TierStats> tiers = new LinkedHashMap<>();
        private final List<String> fallbacks = new ArrayList<>();
        private final List<BlobSource> blobs = new ArrayList<>();
        /** A volume that is missing as a whole is the same fault for every blob: reported once. */
        private final Set<CacheFault> faults = new LinkedHashSet<>();

        /** Starts with every tier at zero, in resolution order; {@code artifact} is {@code image} or {@code model}. */
        Tally(String artifact, List<String> tierNames) {
            this.artifact = artifact;
            tierNames.forEach(t -> tiers.put(t, new TierStats(0, 0)));
        }

        synchronized void hit(String tier, long bytes) {
            hits(tier, 1, bytes);
        }

        synchronized void hits(String tier, int hits, long bytes) {
            tiers.compute(tier, (k, s) -> s == null ? new TierStats(hits, bytes) : new TierStats(s.hits() + hits, s.bytes() + bytes));
        }

        /** The tier that served one blob or object, and how long it took to land it. */
        synchronized void source(String id, long bytes, String tier, long nanos) {
            blobs.add(new BlobSource(artifact, id, bytes, tier, nanos / 1e9));
        }

        synchronized void fallback(String reason) {
            fallbacks.add(reason);
        }

        synchronized void faults(List<CacheFault> found) {
            faults.addAll(found);
        }

        synchronized TierReport report() {
            return new TierReport(tiers, fallbacks, blobs, List.copyOf(faults));
        }
    }
}
