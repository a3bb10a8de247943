package dev.kindling.agent;

import dev.kindling.agent.cache.DirectoryImageCache;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.cache.TierReport;
import dev.kindling.agent.cache.TieredFetch;
import dev.kindling.agent.image.ImagePuller;
import dev.kindling.agent.image.InstanceImages;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.runtime.CopyData;
import dev.kindling.agent.store.BlobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The data path of one instance: its stores, cache tiers, registries and S3 access, shared by all its copies.
 * Each copy's image and model are resolved local store first, then the endpoint's caches, then the registry or S3.
 */
public final class DataPath implements CopyData, AutoCloseable {

    /** Name of the endpoint image cache tier in reports. */
    public static final String ENDPOINT_IMAGE_CACHE = "endpoint-image-cache";

    private final BlobFetcher fetcher;
    private final Registries registries;
    private final InstanceImages images;

    public DataPath(DataPathSettings settings) {
        BlobStore blobs = new BlobStore(settings.root(), settings.diskBudgetBytes());
        this.fetcher = new BlobFetcher(settings.fetch());
        this.registries = new Registries(settings.registries());
        List<ImageCache> caches = new ArrayList<>();
        if (settings.imageCacheDirectory() != null) {
            caches.add(new DirectoryImageCache(ENDPOINT_IMAGE_CACHE, settings.imageCacheDirectory()));
        }
        this.images = new InstanceImages(settings.root().resolve("images"), blobs, registries,
                new ImagePuller(new TieredFetch(caches, fetcher), settings.throughput().disk()));
    }

    @Override
    public Prepared image(String image, Progress progress) throws Exception {
        InstanceImages.PreparedImage p = images.prepare(image);
        return new Prepared(p.rootfs(), p.manifest().totalBytes(), usage(CopyStartup.IMAGE, p.tiers()), p.fallbacks(), p);
    }

    @Override
    public Prepared model(String artifactUrl, Progress progress) {
        throw new UnsupportedOperationException("model artifacts are not wired yet");
    }

    private static List<TierUsage> usage(String artifact, Map<String, TierReport.TierStats> tiers) {
        return tiers.entrySet().stream().filter(e -> e.getValue().hits() > 0)
                .map(e -> new TierUsage(artifact, e.getKey(), e.getValue().hits(), e.getValue().bytes())).toList();
    }

    @Override
    public void close() {
        fetcher.close();
        registries.close();
    }
}
