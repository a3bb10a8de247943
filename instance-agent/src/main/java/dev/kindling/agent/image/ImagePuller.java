package dev.kindling.agent.image;

import dev.kindling.agent.cache.TierReport;
import dev.kindling.agent.cache.TieredFetch;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;

/**
 * Pulls an image into a root filesystem: resolves its blobs through the cache tiers into the store and, on a
 * thread of its own, applies each layer in manifest order as its bytes arrive (once every layer below it is
 * applied), so unpacking overlaps the download, even of a single giant layer.
 */
public final class ImagePuller {

    private final TieredFetch tiers;
    private final Throughput disk;

    public ImagePuller(TieredFetch tiers, Throughput disk) {
        this.tiers = tiers;
        this.disk = disk;
    }

    /** A puller straight from the registry, with no cache tier and no disk limit. */
    public ImagePuller(BlobFetcher fetcher) {
        this(new TieredFetch(List.of(), fetcher), Throughput.UNLIMITED);
    }

    /** What a pull did and how long it took. */
    public record Result(Manifest manifest, TierReport tiers, Duration total, long layerBytesWritten) {}

    /** Pulls the manifest, then the image. */
    public Result pull(RegistryClient client, ImageReference ref, BlobStore store, Path rootfs) {
        long started = System.nanoTime();
        Manifest manifest = client.pullManifest(ref);
        Result r = pull(client, ref, manifest, store, rootfs);
        return new Result(manifest, r.tiers(), Duration.ofNanos(System.nanoTime() - started), r.layerBytesWritten());
    }

    /** Pulls the image of a manifest already resolved. */
    public Result pull(RegistryClient client, ImageReference ref, Manifest manifest, BlobStore store, Path rootfs) {
        return pull(client, ref, manifest, store, rootfs, bytes -> { });
    }

    /**
     * Pulls as above; {@code progress} hears of blob bytes as they are ready. Each layer is unpacked as it arrives,
     * before it is verified: if the pull throws, what it left in {@code rootfs} must be thrown away.
     */
    public Result pull(RegistryClient client, ImageReference ref, Manifest manifest, BlobStore store, Path rootfs,
                       LongConsumer progress) {
        long started = System.nanoTime();
        LayerFeed feed = new LayerFeed(store, progress);
        CompletableFuture<Long> unpacked = CompletableFuture.supplyAsync(() -> applyInOrder(manifest.layers(), feed,
                rootfs, ref), runnable -> Thread.ofPlatform().name("layer-unpack").start(runnable));
        TierReport report;
        try {
            report = tiers.fetch(client, ref.toString(), ref.repository(), manifest.blobs(), store, feed);
        } catch (RuntimeException e) {
            feed.abort("pull of " + ref + " failed; unpacking stopped");
            throw e;
        }
        try {
            long written = unpacked.get();
            return new Result(manifest, report, Duration.ofNanos(System.nanoTime() - started), written);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new RegistryException("unpacking " + ref + ": " + e.getCause(), 0, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            feed.abort("interrupted");
            throw new RegistryException("interrupted while unpacking " + ref, 0, e);
        }
    }

    private long applyInOrder(List<Descriptor> layers, LayerFeed feed, Path rootfs, ImageReference ref) {
        long written = 0;
        for (Descriptor layer : layers) {
            try (InputStream in = feed.open(layer)) {
                written += LayerUnpacker.apply(in, rootfs, disk).bytesWritten();
            } catch (IOException e) {
                throw new RegistryException("unpacking layer " + layer.digest() + " of " + ref + ": " + e.getMessage(), 0, e);
            }
        }
        return written;
    }
}
