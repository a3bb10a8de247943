package dev.kindling.agent.cache.volume;

import dev.kindling.agent.DataPathSettings;
import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ArtifactSource;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.cache.endpoint.VolumeContent;
import dev.kindling.agent.cache.endpoint.VolumeImages;
import dev.kindling.agent.cache.endpoint.VolumeModels;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.s3.S3Clients;
import dev.kindling.agent.s3.S3ObjectFetcher;
import dev.kindling.agent.s3.S3Reader;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Fills an endpoint cache volume: every image of the plan as blobs ({@code blobs/sha256/<hex>}: its manifest, config
 * and layers) and every model as its S3 objects ({@code models/<bucket>/<key>}), then {@value VolumeContent#FILE}
 * last. Blobs come through the agent's {@link BlobFetcher} and objects through its {@link S3ObjectFetcher}, so each is
 * verified (sha256; ETag and checksum) while it streams and lands only if it matches. Everything is forced to disk
 * before the manifest is written, atomically, so a volume with a manifest is whole: snapshotting it (EC2) or handing
 * it to agents (local fleet) is safe from then on. Thread-safe: builds of different volumes may run at once.
 */
public final class CacheVolumeBuilder implements AutoCloseable {

    /**
     * Where the builder pulls from.
     *
     * @param fetch chunk size, parallelism and retries of blob downloads
     * @param registries default registry, ECR mirror and credentials, as the endpoint's agents have them
     * @param s3 where model artifacts are read from
     */
    public record Settings(FetchSettings fetch, Registries.Settings registries, DataPathSettings.S3Access s3) {
        public Settings {
            if (fetch == null) fetch = FetchSettings.DEFAULTS;
            if (registries == null) registries = Registries.Settings.direct();
            if (s3 == null) s3 = new DataPathSettings.S3Access(null, null, null, null);
        }
    }

    /** Scratch space in a volume while it is built; removed before the manifest is written. */
    private static final String PARTIAL_OBJECTS = "partial-objects";
    private static final String PARTIAL_BLOBS = "partial";

    private final Registries registries;
    private final BlobFetcher blobs;
    private final S3Client s3;
    private final S3ObjectFetcher objects;

    public CacheVolumeBuilder(Settings settings) {
        this.registries = new Registries(settings.registries());
        this.blobs = new BlobFetcher(settings.fetch(), InstanceThroughput.UNLIMITED);
        DataPathSettings.S3Access access = settings.s3();
        Region region = Region.of(access.region());
        this.s3 = access.endpoint() == null
                ? S3Clients.forRegion(region, access.credentials(), access.fetch())
                : S3Clients.forEndpoint(access.endpoint(), region, access.credentials(), access.fetch());
        this.objects = new S3ObjectFetcher(new S3Reader(s3, access.fetch()), InstanceThroughput.UNLIMITED);
    }

    /**
     * Builds generation {@code generation} of {@code endpointName}'s volume in {@code volume} (created if absent; it
     * should be empty) and returns what it holds. Throws a {@link CacheVolumeException} naming the image or model that
     * could not be cached; the directory is then incomplete (no manifest) and the caller deletes it.
     */
    public VolumeContent build(Path volume, String endpointName, long generation, VolumePlan plan) {
        try {
            Files.createDirectories(volume);
        } catch (IOException e) {
            throw new CacheVolumeException("creating the cache volume " + volume + ": " + e.getMessage(), e);
        }
        BlobStore store = new BlobStore(volume);
        List<VolumeContent.Image> images = new ArrayList<>();
        for (String image : plan.images()) images.add(image(image, store, volume));
        List<VolumeContent.Model> models = new ArrayList<>();
        for (String model : plan.models()) models.add(model(model, volume));
        VolumeContent manifest = new VolumeContent(endpointName, generation, images, models);
        try {
            FileTrees.delete(volume.resolve(PARTIAL_BLOBS));
            FileTrees.delete(volume.resolve(PARTIAL_OBJECTS));
            blobs.awaitDurable();
            forceAll(volume);
            FileTrees.writeAtomically(volume.resolve(VolumeContent.FILE), manifest.toJson());
            force(volume.resolve(VolumeContent.FILE));
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            throw new CacheVolumeException("finishing the cache volume " + volume + ": " + e.getMessage(), e);
        }
        return manifest;
    }

    private VolumeContent.Image image(String image, BlobStore store, Path volume) {
        String what = "image " + image;
        try {
            ImageReference routed = registries.route(registries.reference(image));
            RegistryClient client = registries.client(routed);
            RegistryClient.PulledManifest pulled = client.pullManifestWithBytes(routed);
            Manifest m = pulled.manifest();
            putManifest(m.digest(), pulled.bytes(), store, what);
            blobs.fetch(client, routed.repository(), m.blobs(), store, blob -> { });
            List<VolumeContent.Blob> listed = new ArrayList<>();
            listed.add(new VolumeContent.Blob(m.digest().toString(), pulled.bytes().length));
            for (Descriptor d : m.blobs()) {
                if (listed.stream().noneMatch(b -> b.digest().equals(d.digest().toString()))) {
                    listed.add(new VolumeContent.Blob(d.digest().toString(), d.size()));
                }
            }
            // Unpacked on the volume too: an instance given the volume runs the image where it lies, as SageMaker's
            // image cache does, instead of copying its blobs and unpacking them again on its own disk.
            VolumeImages.Unpacked unpacked = VolumeImages.unpackInto(volume, m);
            return new VolumeContent.Image(image, m.digest().toString(), listed.stream().mapToLong(VolumeContent.Blob::size).sum(), listed,
                    unpacked.rootfs(), unpacked.treeDigest().toString());
        } catch (RegistryException | IllegalArgumentException e) {
            throw new CacheVolumeException(what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CacheVolumeException(what + ": unpacking it on the volume: " + e.getMessage(), e);
        }
    }

    /** The manifest is a blob too: agents find an image's manifest in the volume by the digest the manifest lists. */
    private static void putManifest(Digest digest, byte[] bytes, BlobStore store, String what) {
        if (store.contains(digest)) return;
        Digest actual = Digest.of(Hashes.sha256().digest(bytes));
        if (!actual.equals(digest)) {
            throw new CacheVolumeException(what + ": its manifest hashes to " + actual + ", not " + digest, null);
        }
        try {
            Path scratch = store.scratchFor(digest);
            try {
                Files.write(scratch, bytes);
                store.publish(digest, scratch);
            } finally {
                Files.deleteIfExists(scratch);
            }
        } catch (IOException e) {
            throw new CacheVolumeException(what + ": writing its manifest " + digest + ": " + e.getMessage(), e);
        }
    }

    private VolumeContent.Model model(String model, Path volume) {
        String what = "model " + model;
        Path models = volume.resolve(VolumeContent.MODELS);
        Path partial = volume.resolve(PARTIAL_OBJECTS);
        try {
            S3Uri uri = S3Uri.parse(model);
            ArtifactSource source = ArtifactSource.resolved(uri, objects.reader().resolve(uri));
            List<S3ObjectFetcher.ObjectDownload> downloads = new ArrayList<>();
            List<VolumeContent.StoredObject> listed = new ArrayList<>();
            Files.createDirectories(partial);
            for (ObjectVersion o : source.objects()) {
                Path bucket = models.resolve(o.bucket());
                Path target = bucket.resolve(o.key()).normalize();
                if (!target.startsWith(bucket) || target.equals(bucket)) {
                    throw new CacheVolumeException(what + ": object " + o.uri() + " would land outside the volume", null);
                }
                Files.createDirectories(target.getParent());
                String id = Hashes.sha256Hex(o.bucket() + "/" + o.key() + "@" + o.eTag());
                downloads.add(new S3ObjectFetcher.ObjectDownload(o, partial.resolve(id + ".data"),
                        partial.resolve(id + "." + objects.chunkBytes() + ".chunks"), target));
                listed.add(new VolumeContent.StoredObject(o.uri().toString(), "\"" + o.eTag() + "\"", o.size()));
            }
            objects.fetch(downloads, bytes -> { });
            VolumeModels.Directory directory = VolumeModels.unpackInto(volume, model, listed);
            return new VolumeContent.Model(model, source.bytes(), listed, directory.directory(), directory.treeDigest().toString());
        } catch (ArtifactException | IllegalArgumentException e) {
            throw new CacheVolumeException(what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CacheVolumeException(what + ": writing into the volume: " + e.getMessage(), e);
        }
    }

    /** Forces every file to disk: the volume may be snapshotted the moment its manifest appears. */
    private static void forceAll(Path volume) throws IOException {
        try (Stream<Path> walk = Files.walk(volume)) {
            for (Path p : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) force(p);
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(false);
        }
    }

    @Override
    public void close() {
        blobs.close();
        objects.close();
        registries.close();
        s3.close();
    }
}
