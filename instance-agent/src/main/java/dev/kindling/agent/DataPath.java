package dev.kindling.agent;

import dev.kindling.agent.artifact.ArtifactStore;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.cache.TierReport;
import dev.kindling.agent.cache.TieredFetch;
import dev.kindling.agent.cache.TieredModelFetch;
import dev.kindling.agent.cache.endpoint.EndpointCaches;
import dev.kindling.agent.cache.endpoint.VolumeModels;
import dev.kindling.agent.cache.peer.EndpointPeers;
import dev.kindling.agent.cache.peer.HeldContent;
import dev.kindling.agent.cache.peer.PeerArtifactCache;
import dev.kindling.agent.cache.peer.PeerClient;
import dev.kindling.agent.cache.peer.PeerImageCache;
import dev.kindling.agent.image.ImagePuller;
import dev.kindling.agent.image.InstanceImages;
import dev.kindling.agent.io.Progress;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CacheInventory;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.runtime.CopyData;
import dev.kindling.agent.s3.S3Clients;
import dev.kindling.agent.s3.S3ObjectFetcher;
import dev.kindling.agent.s3.S3Reader;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.agent.store.DiskBudget;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The data path of one instance: its stores (image blobs and model artifacts under one disk budget), cache tiers,
 * registries and S3 access, shared by all its copies. Each copy's image and model are resolved local store first,
 * then the endpoint's caches (the volume the control plane granted, or one the agent was configured with), then the
 * endpoint's other instances (peer fetch), then the registry or S3, and pinned until the copy lets go of them. An
 * image or model the granted volume holds unpacked is used there in place, read-only, once its tree checks out. It also
 * serves what it holds to those peers, and says what it holds complete.
 */
public final class DataPath implements CopyData, InstanceCaches, AutoCloseable {

    /** Names of the endpoint cache tiers in reports. */
    public static final String ENDPOINT_IMAGE_CACHE = EndpointCaches.IMAGE_TIER;
    public static final String ENDPOINT_MODEL_CACHE = EndpointCaches.MODEL_TIER;
    /** Name of the peer tier in reports. */
    public static final String PEER = PeerImageCache.TIER;

    private final BlobFetcher fetcher;
    private final Registries registries;
    private final BlobStore blobs;
    private final InstanceImages images;
    private final S3Client s3;
    private final S3ObjectFetcher objects;
    private final ArtifactStore models;
    private final TieredModelFetch modelTiers;
    private final DiskBudget budget;
    private final EndpointCaches endpointCaches;
    private final EndpointPeers peers;
    private final InstanceInventory inventory;
    private final HeldContent held;

    public DataPath(DataPathSettings settings) {
        DiskBudget budget = new DiskBudget(settings.diskBudgetBytes());
        this.budget = budget;
        this.blobs = new BlobStore(settings.root(), budget);
        this.fetcher = new BlobFetcher(settings.fetch(), settings.throughput());
        this.registries = new Registries(settings.registries());
        this.endpointCaches = new EndpointCaches(settings.imageCacheDirectory(), settings.modelCacheDirectory(),
                settings.throughput().disk());
        this.peers = new EndpointPeers(Clock.systemUTC());
        PeerClient peerClient = new PeerClient();
        List<ImageCache> imageCaches = List.of(endpointCaches.imageTier(),
                new PeerImageCache(peers, endpointCaches::peerToken, peerClient, settings.throughput()));
        this.images = new InstanceImages(settings.root().resolve("images"), blobs, registries,
                new ImagePuller(new TieredFetch(imageCaches, fetcher), settings.throughput().disk()),
                endpointCaches.imagesInPlace());

        DataPathSettings.S3Access access = settings.s3();
        Region region = Region.of(access.region());
        this.s3 = access.endpoint() == null
                ? S3Clients.forRegion(region, access.credentials(), access.fetch())
                : S3Clients.forEndpoint(access.endpoint(), region, access.credentials(), access.fetch());
        this.objects = new S3ObjectFetcher(new S3Reader(s3, access.fetch()), settings.throughput());
        this.models = new ArtifactStore(settings.root().resolve("models"), budget);
        List<ArtifactCache> modelCaches = List.of(endpointCaches.modelTier(),
                new PeerArtifactCache(peers, endpointCaches::peerToken, peerClient, settings.throughput()));
        VolumeModels.InPlace modelsInPlace = endpointCaches.modelsInPlace();
        this.modelTiers = new TieredModelFetch(modelCaches, objects, settings.throughput(), modelsInPlace);
        this.inventory = new InstanceInventory(settings.root().resolve("inventory.json"), blobs, images, models, budget,
                modelsInPlace);
        Throughput network = settings.throughput().network();
        this.held = new HeldContent() {
            @Override
            public Optional<Path> blob(Digest digest) {
                return blobs.holds(digest) ? Optional.of(blobs.path(digest)) : Optional.empty();
            }

            @Override
            public Optional<Path> object(String bucket, String key, String eTag) {
                return models.heldObject(bucket, key, eTag);
            }

            @Override
            public Throughput network() {
                return network;
            }
        };
    }

    /** Image and model bytes on disk, without packed models kept only for peers. */
    @Override
    public Long cachedBytes() {
        return budget.usedBytes() - budget.usedBytes(ArtifactStore.PACKED_BUDGET_NAME);
    }

    @Override
    public Prepared image(String image, Progress progress) throws Exception {
        InstanceImages.PreparedImage p = images.prepare(image, progress);
        inventory.image(image, p.manifest());
        return new Prepared(p.rootfs(), p.manifest().totalBytes(), usage(CopyStartup.IMAGE, p.tiers()), p.fallbacks(),
                p.sources(), p.faults(), p);
    }

    @Override
    public Prepared model(String artifactUrl, Progress progress) {
        S3Uri uri = S3Uri.parse(artifactUrl);
        TieredModelFetch.Result r = modelTiers.fetch(uri, models, progress::moved);
        inventory.model(artifactUrl, r.artifact());
        return new Prepared(r.artifact().directory(), r.artifact().bytes(), usage(CopyStartup.MODEL, r.tiers().tiers()),
                r.tiers().fallbacks(), r.tiers().blobs(), r.tiers().faults(), r);
    }

    private static List<TierUsage> usage(String artifact, Map<String, TierReport.TierStats> tiers) {
        return tiers.entrySet().stream().filter(e -> e.getValue().hits() > 0)
                .map(e -> new TierUsage(artifact, e.getKey(), e.getValue().hits(), e.getValue().bytes())).toList();
    }

    @Override
    public void granted(CacheGrant grant) {
        endpointCaches.grant(grant);
    }

    @Override
    public void peers(List<Peer> listed) {
        peers.replace(listed);
    }

    @Override
    public CacheInventory inventory() {
        return inventory.inventory();
    }

    @Override
    public HeldContent held() {
        return held;
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
