package dev.kindling.agent.runtime;

import dev.kindling.agent.io.Progress;
import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a copy's image and model come from on its instance: each prepared through the cache tiers and pinned there
 * until the copy lets go of it. Both calls block until the bytes are on the instance, verified, and may be
 * interrupted when the copy is stopped.
 */
public interface CopyData {

    /** Prepares the copy's container image; {@code image} is the reference as the copy names it. */
    Prepared image(String image, Progress progress) throws Exception;

    /** Prepares the copy's model artifact from its S3 URI. */
    Prepared model(String artifactUrl, Progress progress) throws Exception;

    /** Image and model bytes the instance keeps on disk now (its warmth); null when unknown. */
    default Long cachedBytes() {
        return null;
    }

    /**
     * A prepared image (its unpacked root filesystem) or model (its directory), where its bytes came from, and what
     * keeps it on the instance until {@link #close()}.
     *
     * @param tiers per tier, the hits and bytes it served ({@code artifact} is {@code image} or {@code model})
     * @param fallbacks tiers that could not serve what they had, and why
     * @param blobs the tier that served each image blob or model object
     * @param cacheFaults what cache tiers found wrong with themselves on the way
     */
    record Prepared(Path path, long bytes, List<TierUsage> tiers, List<String> fallbacks, List<BlobSource> blobs,
                    List<CacheFault> cacheFaults, AutoCloseable hold) implements AutoCloseable {

        public Prepared {
            tiers = List.copyOf(tiers);
            fallbacks = List.copyOf(fallbacks);
            blobs = List.copyOf(blobs);
            cacheFaults = List.copyOf(cacheFaults);
        }

        public Prepared(Path path, long bytes, List<TierUsage> tiers, List<String> fallbacks, AutoCloseable hold) {
            this(path, bytes, tiers, fallbacks, List.of(), List.of(), hold);
        }

        @Override
        public void close() {
            try {
                hold.close();
            } catch (Exception e) {
                throw new IllegalStateException("releasing " + path + " failed", e);
            }
        }
    }
}
