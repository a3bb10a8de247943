package dev.kindling.agent.cache.volume;

import dev.kindling.agent.cache.endpoint.VolumeContent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.DataPathSettings;
import dev.kindling.agent.artifact.LocalS3;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3FaultProxy;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.cache.DirectoryArtifactCache;
import dev.kindling.agent.cache.DirectoryImageCache;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.s3.FullObjectChecksum;
import dev.kindling.agent.s3.S3FetchSettings;
import dev.kindling.agent.store.BlobStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;

/**
 * Cache volumes built against a real registry and a real S3-compatible server: two images sharing a layer and two
 * models (a packed one, a prefix of files) land in the layout the agent's directory tiers read, each blob and object
 * verified, with the manifest written last; a missing image, a corrupt blob and a corrupt object fail the build naming
 * what could not be cached and leave no manifest; and {@code build-cache} does the same from the command line.
 */
class CacheVolumeBuilderIT {

    private static final S3FetchSettings S3_SETTINGS = S3FetchSettings.DEFAULTS.withChunkBytes(64 * 1024)
            .withParallelism(3).withAttempts(2).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
    private static final FetchSettings FETCH = new FetchSettings(64 * 1024, 3, 2, Duration.ofSeconds(10));

    @TempDir
    static Path serverDir;
    private static LocalRegistry registry;
    private static LocalS3 s3;
    private static String imageA;
    private static String imageB;
    private static byte[] shared;
    private static byte[] packed;
    private static byte[] weights;
    @TempDir
    Path dir;

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(), "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        registry = LocalRegistry.start(Files.createDirectories(serverDir.resolve("registry")));
        // Layers are tars (the builder unpacks each image on the volume), one shared by both images.
        shared = dev.kindling.agent.TestTars.tar(false, "srv/base.bin", random(1, 300_000));
        registry.pushImage("team/a", "1", RegistryClient.OCI_MANIFEST, "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                List.of(shared, dev.kindling.agent.TestTars.tar(true, "srv/a.bin", random(2, 200_000))));
        registry.pushImage("team/b", "1", RegistryClient.OCI_MANIFEST, "{\"b\":1}".getBytes(StandardCharsets.UTF_8),
                List.of(shared, dev.kindling.agent.TestTars.tar(false, "srv/b.bin", random(3, 100_000))));
        imageA = registry.host() + "/team/a:1";
        imageB = registry.host() + "/team/b:1";
        s3 = LocalS3.start(serverDir.resolve("s3"));
        s3.createBucket("models");
        packed = dev.kindling.agent.TestTars.tar(true, "weights/model.bin", random(4, 250_000));
        weights = random(5, 180_000);
        s3.put("models", "llm/model.tar.gz", packed);
        s3.put("models", "multi/weights.bin", weights, FullObjectChecksum.Algorithm.SHA256);
        s3.put("models", "multi/config/config.json", "{\"layers\":2}".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) s3.close();
        if (registry != null) registry.close();
    }

    private static CacheVolumeBuilder.Settings settings(URI s3Endpoint) {
        return new CacheVolumeBuilder.Settings(FETCH,
                new Registries.Settings(null, null, RegistryCredentials.anonymous(), Duration.ofSeconds(10)),
                new DataPathSettings.S3Access(s3Endpoint, "us-east-1", AnonymousCredentialsProvider.create(), S3_SETTINGS));
    }

    private static String sha256(Path file) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(Hashes.sha256().digest(Files.readAllBytes(file)));
    }

    @Test
    void buildsEveryImageAndModelVerifiedInTheLayoutAgentsRead() throws Exception {
        Path volume = dir.resolve("gen-3");
        VolumePlan plan = new VolumePlan(List.of(imageB, imageA, imageA),
                List.of("s3://models/multi/", "s3://models/llm/model.tar.gz"));
        VolumeContent built;
        try (CacheVolumeBuilder builder = new CacheVolumeBuilder(settings(s3.endpoint()))) {
            built = builder.build(volume, "llm-endpoint", 3, plan);
        }

        assertThat(built.endpointName()).isEqualTo("llm-endpoint");
        assertThat(built.generation()).isEqualTo(3);
        assertThat(VolumeContent.read(volume)).isEqualTo(built);
        // Sorted and distinct, as the plan is.
        assertThat(built.images()).extracting(VolumeContent.Image::source).containsExactly(imageA, imageB);
        for (VolumeContent.Image image : built.images()) {
            // The manifest, the config and both layers; the shared layer is one file for both images.
            assertThat(image.blobs()).hasSize(4);
            assertThat(image.blobs().getFirst().digest()).isEqualTo(image.manifestDigest());
            assertThat(image.bytes()).isEqualTo(image.blobs().stream().mapToLong(VolumeContent.Blob::size).sum());
            for (VolumeContent.Blob b : image.blobs()) {
                Path file = volume.resolve("blobs/sha256").resolve(b.digest().substring("sha256:".length()));
                assertThat(sha256(file)).isEqualTo(b.digest());
                assertThat(Files.size(file)).isEqualTo(b.size());
            }
        }
        Digest sharedDigest = Digest.of(Hashes.sha256().digest(shared));
        assertThat(built.images()).allSatisfy(i -> assertThat(i.blobs()).contains(new VolumeContent.Blob(sharedDigest.toString(), shared.length)));
        assertThat(built.imageBytes()).isEqualTo(built.images().stream().mapToLong(VolumeContent.Image::bytes).sum());

        assertThat(built.models()).extracting(VolumeContent.Model::source)
                .containsExactly("s3://models/llm/model.tar.gz", "s3://models/multi/");
        VolumeContent.Model llm = built.models().getFirst();
        assertThat(llm.bytes()).isEqualTo(packed.length);
        assertThat(llm.objects()).singleElement().satisfies(o -> {
            assertThat(o.uri()).isEqualTo("s3://models/llm/model.tar.gz");
            assertThat(o.etag()).startsWith("\"").endsWith("\"");
            assertThat(o.size()).isEqualTo(packed.length);
        });
        assertThat(built.models().get(1).objects()).extracting(VolumeContent.StoredObject::uri)
                .containsExactlyInAnyOrder("s3://models/multi/weights.bin", "s3://models/multi/config/config.json");
        assertThat(Files.readAllBytes(volume.resolve("models/models/llm/model.tar.gz"))).isEqualTo(packed);
        assertThat(Files.readAllBytes(volume.resolve("models/models/multi/weights.bin"))).isEqualTo(weights);
        assertThat(built.modelBytes()).isEqualTo(packed.length + weights.length + "{\"layers\":2}".length());
        // Each image also lies unpacked, and each model as the directory a copy sees, with the digest of its tree,
        // so agents use them in place.
        for (VolumeContent.Image image : built.images()) {
            assertThat(image.rootfs()).startsWith("images/");
            assertThat(image.treeDigest()).isEqualTo(dev.kindling.agent.image.TreeDigest.of(volume.resolve(image.rootfs())).toString());
        }
        assertThat(built.models().get(0).directory()).startsWith("unpacked/");
        assertThat(built.models().get(1).directory()).isEqualTo("models/models/multi");
        for (VolumeContent.Model model : built.models()) {
            assertThat(model.treeDigest()).isEqualTo(dev.kindling.agent.image.TreeDigest.of(volume.resolve(model.directory())).toString());
        }
        // No scratch space is left: the volume is exactly blobs, unpacked images and models, and the manifest.
        try (Stream<Path> top = Files.list(volume)) {
            assertThat(top.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("blobs", "images", "models", "unpacked", VolumeContent.FILE);
        }

        // The agent's directory tiers serve from it, verified.
        ImageCache images = new DirectoryImageCache("endpoint-image-cache", volume);
        BlobStore instance = new BlobStore(dir.resolve("instance"));
        assertThat(images.provide(new Descriptor("x", sharedDigest, shared.length), instance))
                .isEqualTo(new ImageCache.Outcome.Hit(shared.length));
        VolumeContent.StoredObject weightsEntry = built.models().get(1).objects().stream()
                .filter(o -> o.uri().endsWith("weights.bin")).findFirst().orElseThrow();
        ArtifactCache models = new DirectoryArtifactCache("endpoint-model-cache", volume.resolve(VolumeContent.MODELS));
        Path target = dir.resolve("instance-models/weights.bin");
        assertThat(models.provide(new ObjectVersion("models", "multi/weights.bin", weights.length, weightsEntry.etag()), target))
                .isEqualTo(new ArtifactCache.Outcome.Hit(weights.length));
        assertThat(Files.readAllBytes(target)).isEqualTo(weights);
    }

    @Test
    void aVolumeWithoutModelsHasNoModelsDirectory() throws Exception {
        Path volume = dir.resolve("images-only");
        try (CacheVolumeBuilder builder = new CacheVolumeBuilder(settings(s3.endpoint()))) {
            VolumeContent built = builder.build(volume, "e", 1, new VolumePlan(List.of(imageA), List.of()));
            assertThat(built.modelBytes()).isZero();
            assertThat(built.models()).isEmpty();
        }
        assertThat(volume.resolve(VolumeContent.MODELS)).doesNotExist();
        assertThat(volume.resolve(VolumeContent.FILE)).isRegularFile();
    }

    @Test
    void aMissingImageFailsNamingItAndLeavesNoManifest() {
        Path volume = dir.resolve("missing");
        String absent = registry.host() + "/team/absent:9";
        try (CacheVolumeBuilder builder = new CacheVolumeBuilder(settings(s3.endpoint()))) {
            assertThatThrownBy(() -> builder.build(volume, "e", 1, new VolumePlan(List.of(imageA, absent), List.of())))
                    .isInstanceOf(CacheVolumeException.class)
                    .hasMessageContaining("image " + absent).hasMessageContaining("404");
        }
        assertThat(volume.resolve(VolumeContent.FILE)).doesNotExist();
    }

    @Test
    void aMissingModelFailsNamingIt() {
        Path volume = dir.resolve("missing-model");
        try (CacheVolumeBuilder builder = new CacheVolumeBuilder(settings(s3.endpoint()))) {
            assertThatThrownBy(() -> builder.build(volume, "e", 1,
                    new VolumePlan(List.of(), List.of("s3://models/absent/model.tar.gz"))))
                    .isInstanceOf(CacheVolumeException.class)
                    .hasMessageContaining("model s3://models/absent/model.tar.gz");
        }
        assertThat(volume.resolve(VolumeContent.FILE)).doesNotExist();
    }

    @Test
    void aCorruptObjectIsRefusedAndNeverLands() throws Exception {
        Path volume = dir.resolve("corrupt-object");
        try (S3FaultProxy proxy = S3FaultProxy.in(s3.endpoint());
             CacheVolumeBuilder builder = new CacheVolumeBuilder(settings(proxy.endpoint()))) {
            proxy.script(get -> new S3FaultProxy.Fault.FlipByte(10)); // every read, retries included
            assertThatThrownBy(() -> builder.build(volume, "e", 1,
                    new VolumePlan(List.of(), List.of("s3://models/llm/model.tar.gz"))))
                    .isInstanceOf(CacheVolumeException.class)
                    .hasMessageContaining("model s3://models/llm/model.tar.gz");
        }
        assertThat(volume.resolve("models/models/llm/model.tar.gz")).doesNotExist();
        assertThat(volume.resolve(VolumeContent.FILE)).doesNotExist();
    }

    @Test
    void aCorruptBlobIsRefusedAndNeverLands() throws Exception {
        // A registry whose stored layer was damaged on its disk serves the damaged bytes under the layer's digest.
        Path registryDir = Files.createDirectories(dir.resolve("damaged-registry"));
        byte[] layer = random(7, 150_000);
        Digest layerDigest = Digest.of(Hashes.sha256().digest(layer));
        try (LocalRegistry damaged = LocalRegistry.start(registryDir)) {
            damaged.pushImage("team/c", "1", RegistryClient.OCI_MANIFEST, "{\"c\":1}".getBytes(StandardCharsets.UTF_8),
                    List.of(layer));
            Path stored;
            try (Stream<Path> files = Files.walk(registryDir.resolve("data"))) {
                stored = files.filter(p -> p.toString().contains("/blobs/sha256/") && p.endsWith("data")
                        && p.getParent().getFileName().toString().equals(layerDigest.hex())).findFirst().orElseThrow();
            }
            byte[] bad = layer.clone();
            bad[1000] ^= 1;
            Files.write(stored, bad);
            Path volume = dir.resolve("corrupt-blob");
            String image = damaged.host() + "/team/c:1";
            try (CacheVolumeBuilder builder = new CacheVolumeBuilder(settings(s3.endpoint()))) {
                assertThatThrownBy(() -> builder.build(volume, "e", 1, new VolumePlan(List.of(image), List.of())))
                        .isInstanceOf(CacheVolumeException.class)
                        .hasMessageContaining("image " + image).hasMessageContaining(layerDigest.toString());
            }
            assertThat(volume.resolve("blobs/sha256").resolve(layerDigest.hex())).doesNotExist();
            assertThat(volume.resolve(VolumeContent.FILE)).doesNotExist();
        }
    }

    @Test
    void buildCacheCommandBuildsAVolumeAndPrintsItsManifest() throws Exception {
        Path planFile = dir.resolve("plan.json");
        Files.writeString(planFile, "{\"images\":[\"team/a:1\"],\"models\":[\"s3://models/llm/model.tar.gz\"]}");
        Path volume = dir.resolve("cli-volume");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // s3proxy here asks for no credentials, but the SDK's default chain wants some to sign with.
        String key = System.setProperty("aws.accessKeyId", "test");
        String secret = System.setProperty("aws.secretAccessKey", "test");
        int code;
        try {
            code = BuildCacheCommand.run(new String[] {"--dir", volume.toString(), "--endpoint", "cli", "--generation", "7",
                            "--plan", planFile.toString()},
                    Map.of("KINDLING_REGISTRY_AUTH", "none", "KINDLING_DEFAULT_REGISTRY", registry.host(),
                            "KINDLING_S3_ENDPOINT", s3.endpoint().toString(), "KINDLING_REGISTRY_CHUNK_MIB", "1"),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        } finally {
            restore("aws.accessKeyId", key);
            restore("aws.secretAccessKey", secret);
        }
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        VolumeContent printed = VolumeContent.fromJson(out.toString(StandardCharsets.UTF_8).trim());
        assertThat(printed).isEqualTo(VolumeContent.read(volume));
        assertThat(printed.endpointName()).isEqualTo("cli");
        assertThat(printed.generation()).isEqualTo(7);
        assertThat(printed.images()).extracting(VolumeContent.Image::source).containsExactly("team/a:1");
        assertThat(printed.modelBytes()).isEqualTo(packed.length);
    }

    private static void restore(String property, String previous) {
        if (previous == null) System.clearProperty(property);
        else System.setProperty(property, previous);
    }

    @Test
    void buildCacheCommandRefusesBadArgumentsWithUsage() throws Exception {
        Path planFile = dir.resolve("plan.json");
        Files.writeString(planFile, "{\"images\":[]}");
        String[][] bad = {
                {"--dir", "/tmp/x", "--endpoint", "e", "--generation", "1"},
                {"--dir", "/tmp/x", "--endpoint", "e", "--generation", "zero", "--plan", planFile.toString()},
                {"--dir", "/tmp/x", "--endpoint", "e", "--generation", "0", "--plan", planFile.toString()},
                {"--dir", "/tmp/x", "--endpoint", "e", "--generation", "1", "--plan", dir.resolve("absent.json").toString()},
                {"--dir", "/tmp/x", "--endpoint", "e", "--generation", "1", "--plan", planFile.toString(), "--extra", "1"},
        };
        String[] says = {"--plan is required", "--generation must be a positive whole number",
                "--generation must be a positive whole number", "cannot read the plan", "unknown argument '--extra'"};
        for (int i = 0; i < bad.length; i++) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = BuildCacheCommand.run(bad[i], Map.of("KINDLING_REGISTRY_AUTH", "none"),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains(says[i]).contains("usage: build-cache");
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(BuildCacheCommand.run(new String[] {"--dir", "/tmp/x", "--endpoint", "e", "--generation", "1", "--plan",
                planFile.toString()}, Map.of("KINDLING_REGISTRY_AUTH", "basic"), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("KINDLING_REGISTRY_AUTH must be 'ecr' or 'none'");
    }
}
