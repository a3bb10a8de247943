package dev.kindling.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ArtifactStore;
import dev.kindling.agent.artifact.LocalS3;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.s3.S3FetchSettings;
import dev.kindling.agent.s3.S3ObjectFetcher;
import dev.kindling.agent.s3.S3Reader;
import dev.kindling.agent.store.DiskBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import dev.kindling.agent.TestTars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Model artifacts resolved local store → artifact cache → S3 against a real S3-compatible server: a packed model
 * unpacked, a prefix kept file by file, the local tier answering without a GET, a corrupt cache copy falling
 * through, a warm start while S3 is down, and the disk budget.
 */
class TieredModelFetchIT {

    private static final S3FetchSettings SETTINGS = S3FetchSettings.DEFAULTS.withChunkBytes(64 * 1024).withParallelism(3)
            .withAttempts(2).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
    @TempDir
    static Path serverDir;
    private static LocalS3 s3;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(serverDir);
        s3.createBucket("models");
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A fetcher with a counter of the S3 operations it issues, for one test. */
    private record Agent(S3Client client, S3ObjectFetcher fetcher, LocalS3.Calls calls) implements AutoCloseable {
        static Agent forEndpoint(URI endpoint, S3FetchSettings settings) {
            LocalS3.Calls calls = new LocalS3.Calls();
            S3Client client = LocalS3.newClient(endpoint, settings, calls);
            return new Agent(client, new S3ObjectFetcher(new S3Reader(client, settings), InstanceThroughput.UNLIMITED), calls);
        }

        TieredModelFetch tiers(ArtifactCache... caches) {
            return new TieredModelFetch(List.of(caches), fetcher, InstanceThroughput.UNLIMITED);
        }

        @Override
        public void close() {
            fetcher.close();
            client.close();
        }
    }

    @Test
    void aPackedModelIsUnpackedAndTheNextFetchIsALocalHitWithoutAnyGet() throws Exception {
        String weights = new String(random(1, 600_000), StandardCharsets.ISO_8859_1);
        byte[] packed = TestTars.tar(true, "config.json", "{\"layers\":2}", "weights/model.bin", weights);
        ObjectVersion o = s3.put("models", "llm/v1/model.tar.gz", packed);
        S3Uri uri = S3Uri.parse("s3://models/llm/v1/model.tar.gz");
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir)) {
            AtomicLong progress = new AtomicLong();
            try (TieredModelFetch.Result first = agent.tiers().fetch(uri, store, progress::addAndGet)) {
                assertThat(Files.readString(first.artifact().directory().resolve("config.json"))).isEqualTo("{\"layers\":2}");
                assertThat(Files.readString(first.artifact().directory().resolve("weights/model.bin"), StandardCharsets.ISO_8859_1))
                        .isEqualTo(weights);
                assertThat(first.artifact().directory().resolve("model.tar.gz")).as("unpacked, not kept").doesNotExist();
                assertThat(first.artifact().bytes()).isEqualTo(12 + 600_000);
                assertThat(first.tiers().tiers().get(TieredModelFetch.S3)).isEqualTo(new TierReport.TierStats(1, packed.length));
                assertThat(first.s3()).hasValueSatisfying(r -> assertThat(r.bytesFetched()).isEqualTo(packed.length));
                assertThat(progress).hasValue(packed.length);
                assertThat(store.verifiedObject(o)).as("the packed object is gone once unpacked").doesNotExist();
            }
            agent.calls().clear();
            try (TieredModelFetch.Result again = agent.tiers().fetch(uri, store)) {
                assertThat(again.tiers().tiers().get(TieredModelFetch.LOCAL)).isEqualTo(new TierReport.TierStats(1, 12 + 600_000));
                assertThat(again.s3()).isEmpty();
                assertThat(agent.calls().count("GetObject")).as("calls: %s", agent.calls()).isZero();
                assertThat(agent.calls().count("HeadObject")).as("the URI is still resolved, to notice a new version").isOne();
            }
        }
    }

    @Test
    void aPackedModelThatClimbsOutIsRefusedAndNothingIsPublished() throws Exception {
        ObjectVersion evil = s3.put("models", "evil/model.tar.gz", TestTars.tar(true, "config.json", "{}", "../../escaped", "pwned"));
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir.resolve("store"))) {
            assertThatThrownBy(() -> agent.tiers().fetch(S3Uri.parse("s3://models/evil/model.tar.gz"), store))
                    .isInstanceOfSatisfying(ArtifactException.class, e -> assertThat(e.code()).isEqualTo(ArtifactException.Code.INVALID))
                    .hasMessageContaining("model s3://models/evil/model.tar.gz")
                    .hasMessageContaining("archive entry '../../escaped' points outside the model directory");
            assertThat(store.artifacts()).isEmpty();
            assertThat(store.usedBytes()).isZero();
            assertThat(store.verifiedObject(evil)).as("an unsafe archive is not kept for another try").doesNotExist();
        }
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("escaped"))).isEmpty();
        }
    }

    @Test
    void aPrefixKeepsItsNestedFilesAndACorruptCacheCopyFallsThroughToS3() throws Exception {
        byte[] config = "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8);
        byte[] shard1 = random(2, 300_000);
        byte[] shard2 = random(3, 200_000);
        s3.put("models", "hf/llama/config.json", config);
        s3.put("models", "hf/llama/tokenizer/added_tokens.json", new byte[0]);
        ObjectVersion s1 = s3.put("models", "hf/llama/weights/shard-1.safetensors", shard1);
        ObjectVersion s2 = s3.put("models", "hf/llama/weights/shard-2.safetensors", shard2);
        // The endpoint's model cache volume: shard 1 intact, shard 2 the right size but corrupt, config missing.
        Path cache = dir.resolve("endpoint-model-cache");
        Files.createDirectories(cache.resolve("models/hf/llama/weights"));
        Files.write(cache.resolve("models/hf/llama/weights/shard-1.safetensors"), shard1);
        byte[] corrupt = shard2.clone();
        corrupt[99] ^= 1;
        Files.write(cache.resolve("models/hf/llama/weights/shard-2.safetensors"), corrupt);

        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir.resolve("store"));
             TieredModelFetch.Result r = agent.tiers(new DirectoryArtifactCache("endpoint-model-cache", cache))
                     .fetch(S3Uri.parse("s3://models/hf/llama/"), store)) {
            Path model = r.artifact().directory();
            assertThat(Files.readAllBytes(model.resolve("config.json"))).isEqualTo(config);
            assertThat(model.resolve("tokenizer/added_tokens.json")).isEmptyFile();
            assertThat(Files.readAllBytes(model.resolve("weights/shard-1.safetensors"))).isEqualTo(shard1);
            assertThat(Files.readAllBytes(model.resolve("weights/shard-2.safetensors"))).isEqualTo(shard2);
            assertThat(r.tiers().tiers().get("endpoint-model-cache")).isEqualTo(new TierReport.TierStats(1, shard1.length));
            assertThat(r.tiers().tiers().get(TieredModelFetch.S3)).isEqualTo(new TierReport.TierStats(3, config.length + shard2.length));
            assertThat(r.tiers().fallbacks()).singleElement().asString()
                    .contains("endpoint-model-cache holds a corrupt copy of " + s2.uri())
                    .contains("expected MD5 " + s2.eTag());
            assertThat(agent.calls().count("GetObject")).as("shard 1 never came from S3, an empty file needs no GET").isEqualTo(1 + 4);
            assertThat(s1.size()).isEqualTo(shard1.length);
        }
    }

    @Test
    void aWarmStartServesTheNewestCompleteArtifactWhenS3IsDown() throws Exception {
        S3Uri uri = S3Uri.parse("s3://models/warm/v1/");
        s3.put("models", "warm/v1/config.json", "{\"v\":1}".getBytes(StandardCharsets.UTF_8));
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir.resolve("store"))) {
            agent.tiers().fetch(uri, store).close();
        }
        s3.put("models", "warm/v1/config.json", "{\"v\":2}".getBytes(StandardCharsets.UTF_8)); // a newer version, later
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir.resolve("store"))) {
            agent.tiers().fetch(uri, store).close();
        }

        URI nobody;
        try (ServerSocket s = new ServerSocket(0)) {
            nobody = URI.create("http://127.0.0.1:" + s.getLocalPort()); // closed again: nothing listens there
        }
        S3FetchSettings quick = SETTINGS.withAttempts(2).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
        try (Agent down = Agent.forEndpoint(nobody, quick); ArtifactStore restarted = new ArtifactStore(dir.resolve("store"));
             TieredModelFetch.Result r = down.tiers().fetch(uri, restarted)) {
            assertThat(Files.readString(r.artifact().directory().resolve("config.json"))).isEqualTo("{\"v\":2}");
            assertThat(r.tiers().tiers().get(TieredModelFetch.LOCAL).hits()).isOne();
            assertThat(r.tiers().fallbacks()).singleElement().asString()
                    .startsWith("S3 unreachable while resolving " + uri)
                    .contains("serving the newest complete artifact " + r.artifact().key().shortHex());
            assertThat(restarted.artifacts()).as("both versions are stored").hasSize(2);
        }
        try (Agent down = Agent.forEndpoint(nobody, quick); ArtifactStore empty = new ArtifactStore(dir.resolve("empty"))) {
            assertThatThrownBy(() -> down.tiers().fetch(uri, empty))
                    .isInstanceOfSatisfying(ArtifactException.class, e -> assertThat(e.code()).isEqualTo(ArtifactException.Code.UNAVAILABLE))
                    .hasMessageContaining("model " + uri + ": S3 is unreachable and no complete copy is stored");
        }
    }

    @Test
    void aPackedModelUnpacksWhileItsRoomIsStillReserved() throws Exception {
        s3.put("models", "held/model.tar.gz", TestTars.tar(true, "weights.bin", "\0".repeat(200_000)));
        DiskBudget budget = new DiskBudget(10_000_000);
        AtomicReference<String> probe = new AtomicReference<>();
        // The disk limit sees the first bytes unpacked; by then the fetch's reservation must still hold its room.
        Throughput disk = bytes -> {
            if (probe.get() != null) return;
            try {
                budget.reserve(10_000_000 - budget.usedBytes()).close();
                probe.set("nothing reserved");
            } catch (IOException e) {
                probe.set(e.getMessage());
            }
        };
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir, budget);
             TieredModelFetch.Result r = new TieredModelFetch(List.of(), agent.fetcher(), new InstanceThroughput(Throughput.UNLIMITED, disk))
                     .fetch(S3Uri.parse("s3://models/held/model.tar.gz"), store)) {
            assertThat(r.artifact().bytes()).isEqualTo(200_000);
            assertThat(probe.get()).contains("by fetches in progress");
        }
    }

    @Test
    void aModelLargerUnpackedThanReservedDisplacesAnOldArtifact() throws Exception {
        s3.put("models", "displace/old.bin", random(7, 100_000));
        s3.put("models", "displace/model.tar.gz", TestTars.tar(true, "weights.bin", "\0".repeat(300_000))); // packs to ~1 KiB
        DiskBudget budget = new DiskBudget(350_000);
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir, budget)) {
            TieredModelFetch tiers = agent.tiers();
            TieredModelFetch.Result old = tiers.fetch(S3Uri.parse("s3://models/displace/old.bin"), store);
            old.close();
            try (TieredModelFetch.Result r = tiers.fetch(S3Uri.parse("s3://models/displace/model.tar.gz"), store)) {
                assertThat(r.artifact().bytes()).isEqualTo(300_000);
                assertThat(store.get(old.artifact().key())).as("evicted once the unpacked model was counted").isEmpty();
                assertThat(budget.usedBytes()).isEqualTo(300_000);
                assertThat(r.tiers().fallbacks()).isEmpty();
            }
        }
    }

    @Test
    void aUriThatNamesAPrefixWithoutTheSlashIsTheSameArtifactAsWithIt() throws Exception {
        s3.put("models", "slash/m/config.json", "{}".getBytes(StandardCharsets.UTF_8));
        s3.put("models", "slash/m/weights.bin", random(8, 10_000));
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir.resolve("store"))) {
            TieredModelFetch tiers = agent.tiers();
            try (TieredModelFetch.Result bare = tiers.fetch(S3Uri.parse("s3://models/slash/m"), store);
                 TieredModelFetch.Result slash = tiers.fetch(S3Uri.parse("s3://models/slash/m/"), store)) {
                assertThat(slash.artifact().key()).isEqualTo(bare.artifact().key());
                assertThat(bare.artifact().uri()).isEqualTo(S3Uri.parse("s3://models/slash/m/"));
                assertThat(slash.tiers().tiers().get(TieredModelFetch.LOCAL).hits()).isEqualTo(2);
                assertThat(store.artifacts()).hasSize(1);
            }
        }
        URI nobody;
        try (ServerSocket s = new ServerSocket(0)) {
            nobody = URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
        S3FetchSettings quick = SETTINGS.withAttempts(2).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
        try (Agent down = Agent.forEndpoint(nobody, quick); ArtifactStore restarted = new ArtifactStore(dir.resolve("store"));
             TieredModelFetch.Result r = down.tiers().fetch(S3Uri.parse("s3://models/slash/m"), restarted)) {
            assertThat(Files.readString(r.artifact().directory().resolve("config.json"))).isEqualTo("{}");
            assertThat(r.tiers().fallbacks()).singleElement().asString().startsWith("S3 unreachable while resolving s3://models/slash/m");
        }
    }

    @Test
    void theSharedBudgetEvictsAnOldArtifactButNeverOneACopyHolds() throws Exception {
        s3.put("models", "budget/a.bin", random(4, 100_000));
        s3.put("models", "budget/b.bin", random(5, 100_000));
        s3.put("models", "budget/c.bin", random(6, 100_000));
        DiskBudget budget = new DiskBudget(250_000);
        try (Agent agent = Agent.forEndpoint(s3.endpoint(), SETTINGS); ArtifactStore store = new ArtifactStore(dir.resolve("store"), budget)) {
            TieredModelFetch tiers = agent.tiers();
            try (TieredModelFetch.Result a = tiers.fetch(S3Uri.parse("s3://models/budget/a.bin"), store)) { // still serving
                TieredModelFetch.Result b = tiers.fetch(S3Uri.parse("s3://models/budget/b.bin"), store);
                b.close(); // that copy stopped
                try (TieredModelFetch.Result c = tiers.fetch(S3Uri.parse("s3://models/budget/c.bin"), store)) {
                    assertThat(store.get(b.artifact().key())).as("b made room for c").isEmpty();
                    assertThat(store.get(a.artifact().key())).as("a is leased by a running copy").isPresent();
                    assertThat(c.artifact().directory().resolve("c.bin")).exists();

                    assertThatThrownBy(() -> tiers.fetch(S3Uri.parse("s3://models/budget/b.bin"), store))
                            .isInstanceOfSatisfying(ArtifactException.class, e -> assertThat(e.code()).isEqualTo(ArtifactException.Code.NO_ROOM))
                            .hasMessageContaining("model s3://models/budget/b.bin")
                            .hasMessageContaining("200000 bytes are held by running copies")
                            .hasMessageContaining("artifact " + a.artifact().key().hex());
                }
            }
        }
    }
}
