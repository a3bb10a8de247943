package dev.kindling.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.artifact.LocalS3;
import dev.kindling.agent.cache.endpoint.TestVolume;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CacheInventory;
import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.CopyState;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.s3.S3FetchSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;

/**
 * Agents with their real data path against a fake control plane, a real registry and a real S3-compatible server:
 * a copy started after a grant is served from the endpoint's cache volume, a corrupt or missing volume is reported
 * and the start goes on from the registry and S3, a new instance takes every blob and object from a warm peer of its
 * endpoint, and heartbeats say what each instance holds.
 */
class AgentCachesIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(50);
    private static final String ENDPOINT = "chat";

    @TempDir
    static Path servers;
    private static LocalRegistry registry;
    private static LocalS3 s3;

    @TempDir
    Path dir;
    private FakeControlPlane controlPlane;
    private final List<InstanceAgent> agents = new ArrayList<>();

    /** An image pushed for one test: its reference, and every blob (config first) with its bytes. */
    private record Image(String reference, String repository, byte[][] blobs) {
        long bytes() {
            long n = 0;
            for (byte[] b : blobs) n += b.length;
            return n;
        }

        List<String> digests() {
            List<String> out = new ArrayList<>();
            for (byte[] b : blobs) out.add(TestVolume.digest(b).toString());
            return out;
        }
    }

    /** A packed model put into S3 for one test. */
    private record Model(String url, String key, byte[] packed, long unpackedBytes) {}

    @BeforeAll
    static void startServers() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(), "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        registry = LocalRegistry.start(Files.createDirectories(servers.resolve("registry")));
        s3 = LocalS3.start(servers.resolve("s3"));
        s3.createBucket("models");
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (registry != null) registry.close();
        if (s3 != null) s3.close();
    }

    @BeforeEach
    void startControlPlane() throws Exception {
        controlPlane = new FakeControlPlane(0);
    }

    @AfterEach
    void stopAgents() {
        agents.forEach(InstanceAgent::close);
        controlPlane.close();
    }

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Image push(String repository, long seed) throws Exception {
        byte[] config = ("{\"image\":\"" + repository + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] server = TestTars.tar(false, "srv/server.bin", random(seed, 400_000));
        byte[] settings = TestTars.tar(true, "srv/settings", ("seed " + seed).getBytes(StandardCharsets.UTF_8));
        registry.pushImage(repository, "1", RegistryClient.OCI_MANIFEST, config, List.of(server, settings));
        return new Image(repository + ":1", repository, new byte[][] {config, server, settings});
    }

    private static Model put(String key, long seed) {
        byte[] weights = random(seed, 300_000);
        byte[] packed = TestTars.tar(true, "weights.bin", weights);
        s3.put("models", key, packed);
        return new Model("s3://models/" + key, key, packed, weights.length);
    }

    /** The manifest of a pushed image, byte for byte as the registry stores it. */
    private static byte[] manifestOf(Image image) {
        byte[][] b = image.blobs();
        return LocalRegistry.manifestJson(RegistryClient.OCI_MANIFEST,
                new Descriptor("application/vnd.oci.image.config.v1+json", TestVolume.digest(b[0]), b[0].length),
                java.util.stream.Stream.of(b).skip(1).map(l -> new Descriptor("application/vnd.oci.image.layer.v1.tar",
                        TestVolume.digest(l), l.length)).toList());
    }

    /** What the copy's model server says it runs from: its image root filesystem and model directory. */
    private static Map<String, Object> invoke(String instanceId, String copyId, FakeControlPlane controlPlane) throws Exception {
        String url = controlPlane.latest(instanceId, copyId).orElseThrow().modelServerUrl();
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/invocations"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            @SuppressWarnings("unchecked")
            Map<String, Object> answer = dev.kindling.agent.internal.Json.read(r.body(), Map.class);
            return answer;
        }
    }

    private InstanceAgent agent(String instanceId) {
        return agent(instanceId, registry.host(), s3.endpoint());
    }

    private InstanceAgent agent(String instanceId, String registryHost, java.net.URI s3Endpoint) {
        DataPathSettings data = new DataPathSettings(dir.resolve(instanceId), 1L << 30,
                new FetchSettings(128 * 1024, 2, 2, Duration.ofSeconds(10)),
                new Registries.Settings(registryHost, null, RegistryCredentials.anonymous(), Duration.ofSeconds(5)),
                new DataPathSettings.S3Access(s3Endpoint, "us-east-1", AnonymousCredentialsProvider.create(),
                        S3FetchSettings.DEFAULTS.withChunkBytes(128 * 1024).withParallelism(2)),
                null, null, InstanceThroughput.UNLIMITED);
        InstanceAgent agent = InstanceAgent.start(new AgentSettings(instanceId, "ml.g5.xlarge", controlPlane.url(), HEARTBEAT,
                "127.0.0.1", data, ENDPOINT, "secret-of-" + instanceId));
        agents.add(agent);
        return agent;
    }

    private static CopyAssignment copy(String id, Image image, Model model) {
        return new CopyAssignment(id, "model-a", 1, image.reference(), model == null ? null : model.url(), Map.of(), 1024, 600, 600);
    }

    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20));
    }

    /** Waits until the instance reports the copy serving, failing at once if it reports it failed. */
    private CopyStartup awaitServing(String instanceId, String copyId) {
        CopyReport r = await().until(() -> controlPlane.latest(instanceId, copyId).orElse(null),
                c -> c != null && c.state() != CopyState.Starting);
        assertThat(r.state()).as("copy %s: %s", copyId, r.failureReason()).isEqualTo(CopyState.InService);
        return r.startup();
    }

    private static List<BlobSource> sources(CopyStartup startup, String artifact) {
        return startup.blobs().stream().filter(b -> b.artifact().equals(artifact)).toList();
    }

    @Test
    void aCopyStartedAfterTheGrantIsServedFromTheEndpointVolumeAndHeartbeatsSayWhatIsHeld() throws Exception {
        Image before = push("grant/before", 1);
        Image after = push("grant/after", 2);
        Model model = put("grant/model.tar.gz", 3);
        agent("ki-1");
        controlPlane.assignments = List.of(copy("kc-before", before, null));
        CopyStartup cold = awaitServing("ki-1", "kc-before");
        assertThat(sources(cold, "image")).extracting(BlobSource::tier).containsOnly("registry").hasSize(3);

        TestVolume volume = TestVolume.at(dir.resolve("volumes/chat-1"), ENDPOINT, 1)
                .image(after.reference(), after.blobs()).model(model.url(), "models", model.key(), model.packed()).complete();
        controlPlane.grant = new CacheGrant(ENDPOINT, 1, volume.root().toString(), volume.models().toString(), "peer-tok");
        controlPlane.assignments = List.of(copy("kc-before", before, null), copy("kc-after", after, model));
        CopyStartup warm = awaitServing("ki-1", "kc-after");

        assertThat(sources(warm, "image")).extracting(BlobSource::id).containsExactlyElementsOf(after.digests());
        assertThat(sources(warm, "image")).extracting(BlobSource::tier).containsOnly("endpoint-image-cache");
        assertThat(sources(warm, "image")).extracting(BlobSource::bytes)
                .containsExactly((long) after.blobs()[0].length, (long) after.blobs()[1].length, (long) after.blobs()[2].length);
        assertThat(sources(warm, "model")).singleElement().satisfies(b -> {
            assertThat(b.id()).isEqualTo(model.url());
            assertThat(b.tier()).isEqualTo("endpoint-model-cache");
            assertThat(b.bytes()).isEqualTo(model.packed().length);
        });
        assertThat(warm.tiers()).contains(new CopyStartup.TierUsage("image", "endpoint-image-cache", 3, after.bytes()),
                new CopyStartup.TierUsage("model", "endpoint-model-cache", 1, model.packed().length));
        assertThat(warm.cacheFaults()).isEmpty();

        CacheInventory held = await().until(() -> controlPlane.latestOf("ki-1").map(h -> h.inventory()).orElse(null),
                i -> i != null && i.images().size() == 2 && i.models().size() == 1);
        assertThat(held.images()).containsExactlyInAnyOrder(new CacheInventory.Held(before.reference(), before.bytes()),
                new CacheInventory.Held(after.reference(), after.bytes()));
        assertThat(held.models()).containsExactly(new CacheInventory.Held(model.url(), model.unpackedBytes()));
    }

    @Test
    void aCorruptBlobInTheGrantedVolumeIsReportedAndTheRegistryServesIt() throws Exception {
        Image image = push("corrupt/app", 4);
        TestVolume volume = TestVolume.at(dir.resolve("volumes/chat-5"), ENDPOINT, 5).image(image.reference(), image.blobs()).complete();
        Digest damaged = TestVolume.digest(image.blobs()[1]);
        Files.write(volume.blobPath(damaged), random(99, image.blobs()[1].length));
        controlPlane.registerStatus = 200; // the grant comes with the registration
        controlPlane.grant = new CacheGrant(ENDPOINT, 5, volume.root().toString(), null, null);
        controlPlane.assignments = List.of(copy("kc-1", image, null));
        agent("ki-1");

        CopyStartup startup = awaitServing("ki-1", "kc-1");

        assertThat(startup.cacheFaults()).singleElement().satisfies(f -> {
            assertThat(f.artifact()).isEqualTo("image");
            assertThat(f.tier()).isEqualTo("endpoint-image-cache");
            assertThat(f.kind()).isEqualTo(CacheFault.CORRUPT);
            assertThat(f.id()).isEqualTo(damaged.toString());
            assertThat(f.generation()).isEqualTo(5L);
        });
        assertThat(startup.blobs()).filteredOn(b -> b.id().equals(damaged.toString())).singleElement()
                .extracting(BlobSource::tier).isEqualTo("registry");
        assertThat(startup.blobs()).filteredOn(b -> !b.id().equals(damaged.toString()))
                .extracting(BlobSource::tier).containsOnly("endpoint-image-cache").hasSize(2);
        assertThat(startup.fallbacks()).anySatisfy(f -> assertThat(f).contains("holds a corrupt copy of blob " + damaged));
    }

    @Test
    void aMissingVolumeIsOneMissingFaultPerCacheAndTheStartGoesOnFromRegistryAndS3() throws Exception {
        Image image = push("missing/app", 5);
        Model model = put("missing/model.tar.gz", 6);
        Path never = dir.resolve("volumes/never-mounted");
        controlPlane.grant = new CacheGrant(ENDPOINT, 2, never.toString(), never.resolve("models").toString(), null);
        controlPlane.assignments = List.of(copy("kc-1", image, model));
        agent("ki-1");

        CopyStartup startup = awaitServing("ki-1", "kc-1");

        assertThat(startup.cacheFaults()).extracting(CacheFault::artifact, CacheFault::tier, CacheFault::kind, CacheFault::id,
                CacheFault::generation).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("image", "endpoint-image-cache", "missing", never.toString(), 2L),
                org.assertj.core.groups.Tuple.tuple("model", "endpoint-model-cache", "missing", never.resolve("models").toString(), 2L));
        assertThat(sources(startup, "image")).extracting(BlobSource::tier).containsOnly("registry").hasSize(3);
        assertThat(sources(startup, "model")).extracting(BlobSource::tier).containsExactly("s3");
    }

    @Test
    void aNewInstanceTakesEveryBlobAndObjectFromAWarmPeerWithoutTheRegistry() throws Exception {
        Image image = push("peers/app", 7);
        Model model = put("peers/model.tar.gz", 8);
        controlPlane.grant = new CacheGrant(ENDPOINT, 1, null, null, "peer-token-of-chat");
        InstanceAgent warm = agent("ki-warm");
        controlPlane.assignmentsOf.put("ki-warm", List.of(copy("kc-warm", image, model)));
        awaitServing("ki-warm", "kc-warm");

        // From now on the registry cannot serve the image's blobs: whatever the new instance gets, a peer gave it.
        for (byte[] blob : image.blobs()) registry.deleteBlob(image.repository(), TestVolume.digest(blob));
        assertThat(registry.blobStatus(image.repository(), TestVolume.digest(image.blobs()[1]))).isEqualTo(404);
        controlPlane.peers = List.of(new Peer("ki-warm", warm.url().toString()), new Peer("ki-new", "http://127.0.0.1:1"));
        controlPlane.assignmentsOf.put("ki-new", List.of(copy("kc-new", image, model)));
        agent("ki-new");

        CopyStartup startup = awaitServing("ki-new", "kc-new");

        assertThat(sources(startup, "image")).extracting(BlobSource::id).containsExactlyElementsOf(image.digests());
        assertThat(sources(startup, "image")).extracting(BlobSource::tier).containsOnly("peer");
        assertThat(sources(startup, "model")).singleElement().satisfies(b -> {
            assertThat(b.tier()).isEqualTo("peer");
            assertThat(b.id()).isEqualTo(model.url());
        });
        assertThat(startup.tiers()).extracting(CopyStartup.TierUsage::tier).containsOnly("peer");
        assertThat(startup.cacheFaults()).isEmpty();
    }

    @Test
    void anImageAndModelTheVolumeHoldsUnpackedAreUsedWhereTheyLieWithNothingCopiedOrFetched() throws Exception {
        Image image = push("inplace/app", 11);
        Model model = put("inplace/model.tar.gz", 12);
        byte[] manifest = manifestOf(image);
        TestVolume volume = TestVolume.at(dir.resolve("volumes/chat-7"), ENDPOINT, 7)
                .unpackedImage(image.reference(), manifest, image.blobs())
                .unpackedModel(model.url(), "models", model.key(), model.packed()).complete();
        // The registry can no longer serve a blob: whatever the copy runs from, it did not come from there.
        for (byte[] blob : image.blobs()) registry.deleteBlob(image.repository(), TestVolume.digest(blob));
        controlPlane.registerStatus = 200;
        controlPlane.grant = new CacheGrant(ENDPOINT, 7, volume.root().toString(), volume.models().toString(), null);
        controlPlane.assignments = List.of(copy("kc-1", image, model));
        agent("ki-1");

        CopyStartup startup = awaitServing("ki-1", "kc-1");

        assertThat(sources(startup, "image")).extracting(BlobSource::id).containsExactlyElementsOf(image.digests());
        assertThat(sources(startup, "image")).extracting(BlobSource::tier).containsOnly("endpoint-image-cache");
        assertThat(sources(startup, "model")).singleElement().satisfies(b -> {
            assertThat(b.id()).isEqualTo(model.url());
            assertThat(b.tier()).isEqualTo("endpoint-model-cache");
            assertThat(b.bytes()).isEqualTo(model.packed().length);
        });
        assertThat(startup.tiers()).containsExactlyInAnyOrder(
                new CopyStartup.TierUsage("image", "endpoint-image-cache", 3, image.bytes()),
                new CopyStartup.TierUsage("model", "endpoint-model-cache", 1, model.packed().length));
        assertThat(startup.cacheFaults()).isEmpty();
        Path instance = dir.resolve("ki-1");
        for (String digest : image.digests()) {
            assertThat(instance.resolve("blobs/sha256").resolve(Digest.parse(digest).hex())).as("copied into the store").doesNotExist();
        }
        assertThat(instance.resolve("images").resolve(TestVolume.digest(manifest).hex()).resolve("rootfs")).doesNotExist();
        Map<String, Object> served = invoke("ki-1", "kc-1", controlPlane);
        assertThat(served.get("imageRootfs")).isEqualTo(volume.rootfs(manifest).toAbsolutePath().normalize().toString());
        assertThat(served.get("modelDirectory"))
                .isEqualTo(volume.modelDirectory(model.url()).toAbsolutePath().normalize().toString());

        CacheInventory held = await().until(() -> controlPlane.latestOf("ki-1").map(h -> h.inventory()).orElse(null),
                i -> i != null && i.images().size() == 1 && i.models().size() == 1);
        assertThat(held.images()).containsExactly(new CacheInventory.Held(image.reference(), image.bytes()));
        assertThat(held.models()).containsExactly(new CacheInventory.Held(model.url(), model.unpackedBytes()));
    }

    @Test
    void aTamperedTreeOnTheVolumeIsACorruptFaultAndTheCopyTakesBlobsAndObjectsThroughTheTiers() throws Exception {
        Image image = push("tampered/app", 13);
        Model model = put("tampered/model.tar.gz", 14);
        byte[] manifest = manifestOf(image);
        TestVolume volume = TestVolume.at(dir.resolve("volumes/chat-8"), ENDPOINT, 8)
                .unpackedImage(image.reference(), manifest, image.blobs())
                .unpackedModel(model.url(), "models", model.key(), model.packed()).complete();
        Files.writeString(volume.rootfs(manifest).resolve("srv/settings"), "tampered");
        Files.write(volume.modelDirectory(model.url()).resolve("weights.bin"), random(98, 10));
        controlPlane.grant = new CacheGrant(ENDPOINT, 8, volume.root().toString(), volume.models().toString(), null);
        controlPlane.assignments = List.of(copy("kc-1", image, model));
        agent("ki-1");

        CopyStartup startup = awaitServing("ki-1", "kc-1");

        String rootfs = volume.root().relativize(volume.rootfs(manifest)).toString();
        String modelDirectory = volume.root().relativize(volume.modelDirectory(model.url())).toString();
        assertThat(startup.cacheFaults()).extracting(CacheFault::artifact, CacheFault::tier, CacheFault::kind, CacheFault::id,
                CacheFault::generation).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("image", "endpoint-image-cache", "corrupt", rootfs, 8L),
                org.assertj.core.groups.Tuple.tuple("model", "endpoint-model-cache", "corrupt", modelDirectory, 8L));
        // The volume's blobs and objects are intact: its blob and object tiers serve them, copied into the instance.
        assertThat(sources(startup, "image")).extracting(BlobSource::tier).containsOnly("endpoint-image-cache").hasSize(3);
        assertThat(sources(startup, "model")).extracting(BlobSource::tier).containsExactly("endpoint-model-cache");
        Path instance = dir.resolve("ki-1");
        for (String digest : image.digests()) {
            assertThat(instance.resolve("blobs/sha256").resolve(Digest.parse(digest).hex())).exists();
        }
        Map<String, Object> served = invoke("ki-1", "kc-1", controlPlane);
        assertThat((String) served.get("imageRootfs")).startsWith(instance.toString());
        assertThat((String) served.get("modelDirectory")).startsWith(instance.toString());
    }

    @Test
    void withRegistryAndS3UnreachableACopyOfWhatTheVolumeHoldsUnpackedStillStarts() throws Exception {
        Image image = push("outage/app", 15);
        Model model = put("outage/model.tar.gz", 16);
        byte[] manifest = manifestOf(image);
        TestVolume volume = TestVolume.at(dir.resolve("volumes/chat-9"), ENDPOINT, 9)
                .unpackedImage(image.reference(), manifest, image.blobs())
                .unpackedModel(model.url(), "models", model.key(), model.packed()).complete();
        controlPlane.grant = new CacheGrant(ENDPOINT, 9, volume.root().toString(), volume.models().toString(), null);
        controlPlane.assignments = List.of(copy("kc-1", image, model));
        agent("ki-1", "127.0.0.1:1", java.net.URI.create("http://127.0.0.1:1"));

        CopyStartup startup = awaitServing("ki-1", "kc-1");

        assertThat(startup.tiers()).extracting(CopyStartup.TierUsage::tier)
                .containsExactlyInAnyOrder("endpoint-image-cache", "endpoint-model-cache");
        assertThat(startup.fallbacks()).anySatisfy(f -> assertThat(f)
                .contains("using the manifest " + TestVolume.digest(manifest) + " the endpoint cache volume lists"));
        assertThat(startup.fallbacks()).anySatisfy(f -> assertThat(f).contains("serving the model the endpoint cache volume lists"));
        Map<String, Object> served = invoke("ki-1", "kc-1", controlPlane);
        assertThat(served.get("imageRootfs")).isEqualTo(volume.rootfs(manifest).toAbsolutePath().normalize().toString());
    }
}
