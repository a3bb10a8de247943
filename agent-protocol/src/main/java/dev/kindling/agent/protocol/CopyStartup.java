package dev.kindling.agent.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How a copy's start went: each phase with its start and end (an end of null means the phase is under way), the
 * bytes it moved, and which cache tiers served the image's blobs and the model's objects. The agent sends it in
 * every heartbeat while the copy starts, so progress is visible, and once more when the copy serves or fails.
 *
 * @param phases in the order they began: {@link #IMAGE} and {@link #MODEL} run side by side, then
 *               {@link #CONTAINER_START} and {@link #HEALTH_CHECK}
 * @param tiers per artifact ({@code image} or {@code model}) and tier, the hits and bytes it served
 * @param fallbacks tiers that had something but could not serve it, with the reason (a corrupt cache copy, an
 *                  unreachable registry answered from a cached manifest)
 * @param blobs which tier served each image blob and model object, in the order they were resolved (empty from
 *              agents that do not say)
 * @param cacheFaults what was wrong with an endpoint cache or a peer this start tried (a blob the cache should
 *                    hold and does not, a corrupt copy, an unreadable one), so the control plane can rebuild it
 */
public record CopyStartup(List<Phase> phases, List<TierUsage> tiers, List<String> fallbacks, List<BlobSource> blobs,
                          List<CacheFault> cacheFaults) {

    public static final String IMAGE = "image";
    public static final String MODEL = "model";
    public static final String CONTAINER_START = "container-start";
    public static final String HEALTH_CHECK = "health-check";

    public CopyStartup {
        phases = phases == null ? List.of() : List.copyOf(phases);
        tiers = tiers == null ? List.of() : List.copyOf(tiers);
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        blobs = blobs == null ? List.of() : List.copyOf(blobs);
        cacheFaults = cacheFaults == null ? List.of() : List.copyOf(cacheFaults);
    }

    public CopyStartup(List<Phase> phases, List<TierUsage> tiers, List<String> fallbacks) {
        this(phases, tiers, fallbacks, List.of(), List.of());
    }

    /**
     * One phase of a start.
     *
     * @param bytesDone bytes of the image or model ready on the instance so far (image and model phases), or null
     * @param bytesTotal bytes the phase needs in all, once known, or null
     */
    public record Phase(String name, Instant startedAt, Instant endedAt, Long bytesDone, Long bytesTotal) {

        /** How long the phase took, or null while it runs. */
        public Duration duration() {
            return endedAt == null ? null : Duration.between(startedAt, endedAt);
        }
    }

    /** Hits (blobs or objects) and bytes that one tier served for the copy's image or model. */
    public record TierUsage(String artifact, String tier, int hits, long bytes) {}

    /**
     * The tier that served one blob or object.
     *
     * @param artifact {@link #IMAGE} or {@link #MODEL}
     * @param id the blob's digest ({@code sha256:...}) or the object's S3 URI
     * @param seconds how long the tier took to land it (0 for one already on the instance)
     */
    public record BlobSource(String artifact, String id, long bytes, String tier, double seconds) {}

    /**
     * A fault found in a cache tier while starting: the blob or object is not where the tier should have it
     * ({@link #MISSING}), does not match its digest or checksum ({@link #CORRUPT}), or could not be read
     * ({@link #UNREADABLE}). The start went on from the next tier.
     *
     * @param generation the endpoint cache generation that was read (for the endpoint caches; null for peers)
     */
    public record CacheFault(String artifact, String tier, String kind, String id, Long generation, String detail) {
        public static final String MISSING = "missing";
        public static final String CORRUPT = "corrupt";
        public static final String UNREADABLE = "unreadable";
    }
}
