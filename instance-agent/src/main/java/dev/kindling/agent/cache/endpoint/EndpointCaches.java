package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CacheGrant;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The endpoint caches this instance may read now. The control plane's grant (at registration and in every heartbeat
 * answer) replaces them whole, so a copy starting after a rebuild reads the new generation, and one granted nothing
 * reads nothing; a directory the agent was configured with stands in for a location the grant does not give, for an
 * agent run on its own. Copies start concurrently: each lookup reads the grant current at that moment.
 */
public final class EndpointCaches {

    /** Names of the endpoint cache tiers in reports. */
    public static final String IMAGE_TIER = "endpoint-image-cache";
    public static final String MODEL_TIER = "endpoint-model-cache";

    private record Current(CacheGrant grant, EndpointVolume images, EndpointVolume models) {}

    private final EndpointVolume configuredImages;
    private final EndpointVolume configuredModels;
    private final Throughput disk;
    private final AtomicReference<Current> current;
    /** Grants taken and trees checked: what the volumes are known to hold in place changes with either. */
    private final AtomicLong changes = new AtomicLong();

    /**
     * Caches read from the grant once there is one, else from these directories (either may be null), copying into
     * the instance's stores paced by its disk.
     */
    public EndpointCaches(Path imageCacheDirectory, Path modelCacheDirectory, Throughput disk) {
        this.configuredImages = imageCacheDirectory == null ? null : EndpointVolume.configured(imageCacheDirectory);
        this.configuredModels = modelCacheDirectory == null ? null : EndpointVolume.configured(modelCacheDirectory);
        this.disk = disk;
        this.current = new AtomicReference<>(new Current(null, configuredImages, configuredModels));
    }

    /**
     * Replaces what the tiers read with {@code grant} (null: none). The same grant again changes nothing, so what a
     * volume lists is read once per grant.
     */
    public void grant(CacheGrant grant) {
        Current before = current.get();
        Current after = current.updateAndGet(c -> Objects.equals(c.grant(), grant) ? c : of(grant));
        if (after != before) changes.incrementAndGet();
    }

    /** A count that changes whenever what the volumes are known to hold in place may have changed. */
    long changes() {
        return changes.get();
    }

    void checked() {
        changes.incrementAndGet();
    }

    private Current of(CacheGrant grant) {
        if (grant == null) return new Current(null, configuredImages, configuredModels);
        EndpointVolume images = configuredImages;
        EndpointVolume models = configuredModels;
        if (grant.imageCacheLocation() != null) {
            Path root = Path.of(grant.imageCacheLocation());
            images = EndpointVolume.granted(grant.imageCacheLocation(), root, root, grant.endpointName(), grant.generation());
        }
        if (grant.modelCacheLocation() != null) {
            // The model cache is the volume's models/ directory; the volume's list is at its root.
            Path data = Path.of(grant.modelCacheLocation());
            Path root = data.toAbsolutePath().getParent();
            models = EndpointVolume.granted(grant.modelCacheLocation(), data, root == null ? data : root,
                    grant.endpointName(), grant.generation());
        }
        return new Current(grant, images, models);
    }

    /** The grant in force, or null. */
    public CacheGrant grant() {
        return current.get().grant();
    }

    /** The peer token of the grant in force, or null when peer fetch is off or nothing is granted. */
    public String peerToken() {
        CacheGrant g = current.get().grant();
        return g == null ? null : g.peerToken();
    }

    EndpointVolume images() {
        return current.get().images();
    }

    EndpointVolume models() {
        return current.get().models();
    }

    Throughput disk() {
        return disk;
    }

    /** The endpoint image cache tier. */
    public EndpointImageCache imageTier() {
        return new EndpointImageCache(this);
    }

    /** The endpoint model cache tier. */
    public EndpointModelCache modelTier() {
        return new EndpointModelCache(this);
    }

    /** Images on the volume granted now, used where they lie. */
    public VolumeImages.InPlace imagesInPlace() {
        return new VolumeImages.InPlace(this);
    }

    /** Models on the volume granted now, used where they lie. */
    public VolumeModels.InPlace modelsInPlace() {
        return new VolumeModels.InPlace(this);
    }
}
