package dev.kindling.api.metrics;

import dev.kindling.agent.protocol.CopyStartup;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the cache tiers gave one copy start, per artifact (image, model): bytes served by a tier that is not the
 * source (local, endpoint caches, peers) against bytes from the source (registry, S3), and the time they saved.
 *
 * <p>Time saved by a start = max(0, cached bytes / source rate - seconds the cache tiers took), where the source rate
 * is the median of the endpoint's recent observed source rates, and one start's observed rate is its source bytes
 * over the longest time one source blob took (they download in parallel, so the slowest bounds the wall time). Cache
 * tiers serve blob after blob, so their seconds add up. Before any source download was seen on the endpoint, the
 * instance type's network rate stands in.
 */
public final class CacheSavings {

    /** The tiers things are fetched from when no cache has them. */
    public static final Set<String> SOURCE_TIERS = Set.of("registry", "s3");

    private CacheSavings() {}

    /**
     * One artifact of one start.
     *
     * @param cachedSeconds seconds the cache tiers took for their blobs, summed
     * @param longestSourceSeconds the longest any one source blob took
     */
    public record Usage(long cachedBytes, long sourceBytes, double cachedSeconds, long sourceBytesTimed,
                        double longestSourceSeconds) {

        /** The source rate this start observed, or NaN when it fetched nothing timed from the source. */
        public double observedSourceRate() {
            return sourceBytesTimed > 0 && longestSourceSeconds > 0 ? sourceBytesTimed / longestSourceSeconds : Double.NaN;
        }

        /** Seconds saved against fetching the cached bytes at {@code sourceBytesPerSecond}; never negative. */
        public double secondsSaved(double sourceBytesPerSecond) {
            if (cachedBytes == 0 || !(sourceBytesPerSecond > 0)) return 0;
            return Math.max(0, cachedBytes / sourceBytesPerSecond - cachedSeconds);
        }
    }

    /**
     * Per artifact, from the start's per-blob sources; from its per-tier totals (without times) when the agent did not
     * list blobs.
     */
    public static Map<String, Usage> of(CopyStartup startup) {
        Map<String, long[]> bytes = new LinkedHashMap<>(); // cached, source, source timed
        Map<String, double[]> seconds = new LinkedHashMap<>(); // cached total, longest source
        if (!startup.blobs().isEmpty()) {
            for (CopyStartup.BlobSource b : startup.blobs()) {
                long[] by = bytes.computeIfAbsent(b.artifact(), a -> new long[3]);
                double[] s = seconds.computeIfAbsent(b.artifact(), a -> new double[2]);
                double took = Double.isFinite(b.seconds()) ? Math.max(0, b.seconds()) : 0;
                if (SOURCE_TIERS.contains(b.tier())) {
                    by[1] += b.bytes();
                    if (took > 0) {
                        by[2] += b.bytes();
                        s[1] = Math.max(s[1], took);
                    }
                } else {
                    by[0] += b.bytes();
                    s[0] += took;
                }
            }
        } else {
            for (CopyStartup.TierUsage t : startup.tiers()) {
                long[] by = bytes.computeIfAbsent(t.artifact(), a -> new long[3]);
                seconds.computeIfAbsent(t.artifact(), a -> new double[2]);
                by[SOURCE_TIERS.contains(t.tier()) ? 1 : 0] += t.bytes();
            }
        }
        Map<String, Usage> out = new LinkedHashMap<>();
        bytes.forEach((artifact, by) -> {
            double[] s = seconds.get(artifact);
            out.put(artifact, new Usage(by[0], by[1], s[0], by[2], s[1]));
        });
        return out;
    }

    /** The median of the rates seen (NaN when none). */
    public static double median(double[] rates) {
        double[] finite = Arrays.stream(rates).filter(r -> Double.isFinite(r) && r > 0).sorted().toArray();
        if (finite.length == 0) return Double.NaN;
        int mid = finite.length / 2;
        return finite.length % 2 == 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
    }
}
