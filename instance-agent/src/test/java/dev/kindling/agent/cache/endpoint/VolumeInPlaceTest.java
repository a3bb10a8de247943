package dev.kindling.agent.cache.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.TestTars;
import dev.kindling.agent.artifact.ArtifactSource;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.cache.MountedModels;
import dev.kindling.agent.image.MountedImages;
import dev.kindling.agent.image.TreeDigest;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The volume's images and models for use in place: the writers the builder calls lay them out, and a granted volume
 * serves them where they lie only while their trees have the listed digests.
 */
class VolumeInPlaceTest {

    private static final String ENDPOINT = "chat";
    private static final String IMAGE = "registry.example/app:1";

    @TempDir
    Path dir;

    private static final byte[] CONFIG = "{\"config\":{}}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BASE = TestTars.tar(false, "srv/server.bin", "server v1", "etc/motd", "hello");
    private static final byte[] TOP = TestTars.tar(true, "srv/server.bin", "server v2");
    private static final byte[] MANIFEST = manifest(CONFIG, BASE, TOP);

    static byte[] manifest(byte[] config, byte[]... layers) {
        return LocalRegistry.manifestJson(RegistryClient.OCI_MANIFEST,
                new Descriptor("application/vnd.oci.image.config.v1+json", TestVolume.digest(config), config.length),
                Stream.of(layers).map(l -> new Descriptor("application/vnd.oci.image.layer.v1.tar", TestVolume.digest(l),
                        l.length)).toList());
    }

    private EndpointCaches granted(TestVolume volume, long generation) {
        EndpointCaches caches = new EndpointCaches(null, null, Throughput.UNLIMITED);
        caches.grant(new CacheGrant(ENDPOINT, generation, volume.root().toString(), volume.models().toString(), "tok"));
        return caches;
    }

    private TestVolume imageVolume(String name, long generation) {
        return TestVolume.at(dir.resolve(name), ENDPOINT, generation).unpackedImage(IMAGE, MANIFEST, CONFIG, BASE, TOP).complete();
    }

    @Test
    void theWriterUnpacksEveryLayerInOrderIntoTheImagesRootfsAndListsItsTreeDigest() throws IOException {
        Path root = dir.resolve("v");
        for (byte[] b : List.of(CONFIG, BASE, TOP)) {
            Path p = root.resolve("blobs/sha256").resolve(TestVolume.digest(b).hex());
            Files.createDirectories(p.getParent());
            Files.write(p, b);
        }
        Manifest manifest = RegistryClient.manifestOf(MANIFEST);

        VolumeImages.Unpacked unpacked = VolumeImages.unpackInto(root, manifest);

        assertThat(unpacked.rootfs()).isEqualTo("images/" + TestVolume.digest(MANIFEST).hex() + "/rootfs");
        Path rootfs = root.resolve(unpacked.rootfs());
        assertThat(rootfs.resolve("srv/server.bin")).hasContent("server v2");
        assertThat(rootfs.resolve("etc/motd")).hasContent("hello");
        assertThat(unpacked.treeDigest()).isEqualTo(TreeDigest.of(rootfs));
        assertThat(VolumeImages.unpackInto(root, manifest)).as("built again").isEqualTo(unpacked);
        assertThat(rootfs.resolveSibling("rootfs.partial")).doesNotExist();
    }

    @Test
    void aListedIntactImageIsFoundWhereItLiesAndHeldFromThenOn() {
        TestVolume volume = imageVolume("v", 3);
        MountedImages images = granted(volume, 3).imagesInPlace();
        Manifest manifest = RegistryClient.manifestOf(MANIFEST);
        assertThat(images.holds(manifest.digest())).as("before its tree was checked").isFalse();

        MountedImages.Lookup found = images.find(manifest);

        assertThat(found).isInstanceOfSatisfying(MountedImages.Lookup.Found.class, f -> {
            assertThat(f.rootfs()).isEqualTo(volume.rootfs(MANIFEST).toAbsolutePath().normalize());
            assertThat(f.tier()).isEqualTo("endpoint-image-cache");
            assertThat(f.generation()).isEqualTo(3L);
        });
        assertThat(images.holds(manifest.digest())).isTrue();
        assertThat(images.manifest(IMAGE)).as("the manifest the volume lists for the reference").contains(manifest);
        assertThat(images.manifest("registry.example/other:1")).isEmpty();
    }

    static Stream<Arguments> damages() {
        return Stream.of(
                Arguments.of("a file's bytes changed", "corrupt", (Damage) rootfs -> Files.writeString(rootfs.resolve("etc/motd"), "HELLO")),
                Arguments.of("a file added", "corrupt", (Damage) rootfs -> Files.writeString(rootfs.resolve("etc/extra"), "")),
                Arguments.of("the tree gone", "missing", (Damage) rootfs -> dev.kindling.agent.io.FileTrees.delete(rootfs)));
    }

    interface Damage {
        void apply(Path rootfs) throws IOException;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void aDamagedImageTreeIsAFaultNamingItsPathAndIsNotUsed(String label, String kind, Damage damage) throws IOException {
        TestVolume volume = imageVolume("v", 4);
        damage.apply(volume.rootfs(MANIFEST));
        MountedImages images = granted(volume, 4).imagesInPlace();
        Manifest manifest = RegistryClient.manifestOf(MANIFEST);

        MountedImages.Lookup lookup = images.find(manifest);

        assertThat(lookup).isInstanceOfSatisfying(MountedImages.Lookup.NotThere.class, n -> {
            assertThat(n.faults()).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(kind);
                assertThat(f.tier()).isEqualTo("endpoint-image-cache");
                assertThat(f.artifact()).isEqualTo("image");
                assertThat(f.id()).isEqualTo(VolumeImages.rootfs(manifest.digest()));
                assertThat(f.generation()).isEqualTo(4L);
            });
            assertThat(n.fallbacks()).singleElement().asString().contains(manifest.digest().toString());
        });
        assertThat(images.holds(manifest.digest())).isFalse();
    }

    @Test
    void anImageListedBlobByBlobOnlyOrNotGrantedIsAPlainMiss() {
        TestVolume blobsOnly = TestVolume.at(dir.resolve("b"), ENDPOINT, 1).image(IMAGE, CONFIG, BASE, TOP).complete();
        Manifest manifest = RegistryClient.manifestOf(MANIFEST);

        assertThat(granted(blobsOnly, 1).imagesInPlace().find(manifest)).isEqualTo(new MountedImages.Lookup.NotThere(List.of(), List.of()));
        assertThat(new EndpointCaches(null, null, Throughput.UNLIMITED).imagesInPlace().find(manifest))
                .isEqualTo(new MountedImages.Lookup.NotThere(List.of(), List.of()));
        assertThat(granted(blobsOnly, 1).imagesInPlace().manifest(IMAGE)).isEmpty();
    }

    private static VolumeContent.StoredObject stored(String bucket, String key, byte[] content) {
        return new VolumeContent.StoredObject("s3://" + bucket + "/" + key, "\"" + TestVolume.md5(content) + "\"", content.length);
    }

    private static Path put(Path root, String bucket, String key, byte[] content) throws IOException {
        Path p = root.resolve("models").resolve(bucket).resolve(key);
        Files.createDirectories(p.getParent());
        return Files.write(p, content);
    }

    @Test
    void aPackedModelIsUnpackedBesideItsObjectUnderTheHashOfItsUrl() throws IOException {
        Path root = dir.resolve("v");
        byte[] packed = TestTars.tar(true, "weights.bin", "W", "code/inference.py", "print()");
        put(root, "models", "chat/model.tar.gz", packed);
        String url = "s3://models/chat/model.tar.gz";

        VolumeModels.Directory d = VolumeModels.unpackInto(root, url, List.of(stored("models", "chat/model.tar.gz", packed)));

        assertThat(d.directory()).isEqualTo("unpacked/" + dev.kindling.agent.internal.Hashes.sha256Hex(url));
        assertThat(root.resolve(d.directory()).resolve("weights.bin")).hasContent("W");
        assertThat(root.resolve(d.directory()).resolve("code/inference.py")).hasContent("print()");
        assertThat(d.treeDigest()).isEqualTo(TreeDigest.of(root.resolve(d.directory())));
        assertThat(root.resolve("models/models/chat/model.tar.gz")).as("kept as S3 stores it").exists();
    }

    @Test
    void aPrefixIsItsDirectoryAsStoredAndASingleFileIsLinkedUnderItsName() throws IOException {
        Path root = dir.resolve("v");
        byte[] a = "A".getBytes(StandardCharsets.UTF_8);
        byte[] b = "B".getBytes(StandardCharsets.UTF_8);
        put(root, "models", "llm/config.json", a);
        put(root, "models", "llm/shards/0.bin", b);

        VolumeModels.Directory prefix = VolumeModels.unpackInto(root, "s3://models/llm/",
                List.of(stored("models", "llm/config.json", a), stored("models", "llm/shards/0.bin", b)));
        VolumeModels.Directory single = VolumeModels.unpackInto(root, "s3://models/llm/config.json",
                List.of(stored("models", "llm/config.json", a)));

        assertThat(prefix.directory()).isEqualTo("models/models/llm");
        assertThat(prefix.treeDigest()).isEqualTo(TreeDigest.of(root.resolve("models/models/llm")));
        assertThat(root.resolve(single.directory())).isDirectoryContaining(p -> p.getFileName().toString().equals("config.json"));
        assertThat(root.resolve(single.directory()).resolve("config.json")).hasContent("A");
    }

    private static ArtifactSource current(String url, String bucket, String key, byte[] content) {
        return ArtifactSource.resolved(S3Uri.parse(url), List.of(new ObjectVersion(bucket, key, content.length, TestVolume.md5(content))));
    }

    @Test
    void aListedModelIsFoundWhereItLiesWhileS3ListsTheSameVersionOrCannotBeAsked() {
        byte[] packed = TestTars.tar(true, "weights.bin", "W");
        String url = "s3://models/m.tar.gz";
        TestVolume volume = TestVolume.at(dir.resolve("v"), ENDPOINT, 2).unpackedModel(url, "models", "m.tar.gz", packed).complete();
        MountedModels models = granted(volume, 2).modelsInPlace();
        ArtifactSource now = current(url, "models", "m.tar.gz", packed);

        MountedModels.Lookup same = models.find(url, now);
        MountedModels.Lookup unasked = models.find(url, null);
        MountedModels.Lookup changed = models.find(url, current(url, "models", "m.tar.gz", "other".getBytes(StandardCharsets.UTF_8)));

        assertThat(same).isInstanceOfSatisfying(MountedModels.Lookup.Found.class, f -> {
            assertThat(f.directory()).isEqualTo(volume.modelDirectory(url).toAbsolutePath().normalize());
            assertThat(f.source().key()).isEqualTo(now.key());
            assertThat(f.bytes()).isEqualTo(1);
            assertThat(f.tier()).isEqualTo("endpoint-model-cache");
        });
        assertThat(unasked).isInstanceOf(MountedModels.Lookup.Found.class);
        assertThat(changed).as("stale for what S3 lists now").isEqualTo(new MountedModels.Lookup.NotThere(List.of(), List.of()));
        assertThat(models.holds(now.key())).isTrue();
    }

    @Test
    void aTamperedModelDirectoryIsACorruptFaultNamingIt() throws IOException {
        byte[] packed = TestTars.tar(true, "weights.bin", "W");
        String url = "s3://models/m.tar.gz";
        TestVolume volume = TestVolume.at(dir.resolve("v"), ENDPOINT, 2).unpackedModel(url, "models", "m.tar.gz", packed).complete();
        Files.writeString(volume.modelDirectory(url).resolve("weights.bin"), "X");
        MountedModels models = granted(volume, 2).modelsInPlace();
        ArtifactSource now = current(url, "models", "m.tar.gz", packed);

        MountedModels.Lookup lookup = models.find(url, now);

        assertThat(lookup).isInstanceOfSatisfying(MountedModels.Lookup.NotThere.class, n -> assertThat(n.faults())
                .extracting(CacheFault::artifact, CacheFault::tier, CacheFault::kind, CacheFault::id, CacheFault::generation)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("model", "endpoint-model-cache", "corrupt",
                        volume.root().relativize(volume.modelDirectory(url)).toString(), 2L)));
        assertThat(models.holds(now.key())).isFalse();
    }
}
