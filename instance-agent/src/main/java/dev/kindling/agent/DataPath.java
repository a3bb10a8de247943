package dev.kindling.agent;

import dev.kindling.agent.artifact.ArtifactStore;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.cache.DirectoryArtifactCache;
import dev.kindling.agent.cache.DirectoryImageCache;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.cache.TierReport;
import dev.kindling.agent.cache.TieredFetch;
import dev.kindling.agent.cache.TieredModelFetch;
import dev.kindling.agent.image.ImagePuller;
import dev.kindling.agent.image.InstanceImages;
import dev.kindling.agent.io.Progress;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.runtime.CopyData;
import dev.kindling.agent.s3.S3Clients;
import dev.kindling.agent.s3.S3ObjectFetcher;
import dev.kindling.agent.s3.S3Reader;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.agent.store.DiskBudget;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The data path of one instance: its stores (image blobs and model artifacts under one disk budget), cache tiers,
 * registries and S3 access, shared by all its copies. Each copy's image and model are resolved local store first,
 * then the endpoint's caches, then the registry or S3, and pinned until the copy lets go of them.
 */
public final class DataPath implements CopyData, AutoCloseable {

    /** Names of the endpoint cache tiers in reports. */
    public static final String ENDPOINT_IMAGE_CACHE = "endpoint-image-cache";
    public static final String ENDPOINT_MODEL_CACHE = "endpoint-model-cache";

    private final BlobFetcher fetcher;
    private final Registries registries;
    private final InstanceImages images;
    private final S3Client s3;
    private final S3ObjectFetcher objects;
    private final ArtifactStore models;
    private final TieredModelFetch modelTiers;
    private final DiskBudget budget;

    public DataPath(DataPathSettings settings) {
        DiskBudget budget = new DiskBudget(settings.diskBudgetBytes());
        this.budget = budget;
        BlobStore blobs = new BlobStore(settings.root(), budget);
        this.fetcher = new BlobFetcher(settings.fetch(), settings.throughput());
        this.registries = new Registries(settings.registries());
        List<ImageCache> imageCaches = settings.imageCacheDirectory() == null ? List.of()
                : List.of(new DirectoryImageCache(ENDPOINT_IMAGE_CACHE, settings.imageCacheDirectory()));
        this.images = new InstanceImages(settings.root().resolve("images"), blobs, registries,
                new ImagePuller(new TieredFetch(imageCaches, fetcher), settings.throughput().disk()));

        DataPathSettings.S3Access access = settings.s3();
        Region region = Region.of(access.region());
        this.s3 = access.endpoint() == null
                ? S3Clients.forRegion(region, access.credentials(), access.fetch())
                : S3Clients.forEndpoint(access.endpoint(), region, access.credentials(), access.fetch());
        this.objects = new S3ObjectFetcher(new S3Reader(s3, access.fetch()), settings.throughput());
        this.models = new ArtifactStore(settings.root().resolve("models"), budget);
        List<ArtifactCache> modelCaches = settings.modelCacheDirectory() == null ? List.of()
                : List.of(new DirectoryArtifactCache(ENDPOINT_MODEL_CACHE, settings.modelCacheDirectory(),
                        settings.throughput().disk()));
        this.modelTiers = new TieredModelFetch(modelCaches, objects, settings.throughput());
    }

    @Override
    public Long cachedBytes() {
        return budget.usedBytes();
    }

    @Override
    public Prepared image(String image, Progress progress) throws Exception {
        InstanceImages.PreparedImage p = images.prepare(image, progress);
        return new Prepared(p.rootfs(), p.manifest().totalBytes(), usage(CopyStartup.IMAGE, p.tiers()), p.fallbacks(), p);
    }

    @Override
    public Prepared model(String artifactUrl, Progress progress) {
        S3Uri uri = S3Uri.parse(artifactUrl);
        TieredModelFetch.Result r = modelTiers.fetch(uri, models, progress::moved);
        return new Prepared(r.artifact().directory(), r.artifact().bytes(), usage(CopyStartup.MODEL, r.tiers().tiers()),
                r.tiers().fallbacks(), r);
    }

    private static List<TierUsage> usage(String artifact, Map<String, TierReport.TierStats> tiers) {
        return tiers.entrySet().stream().filter(e -> e.getValue().hits() > 0)
                .map(e -> new TierUsage(artifact, e.getKey(), e.getValue().hits(), e.getValue().bytes())).toList();
    }

    @Override
    public void close() {
        images.close();
        fetcher.close();
        registries.close();
        objects.close();
        models.close();
        s3.close();
    }
}
