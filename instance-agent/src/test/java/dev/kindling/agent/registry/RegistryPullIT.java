package dev.kindling.agent.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real registry (Debian's docker-registry on 127.0.0.1): manifests of every media type, an index
 * resolved to linux/amd64, and an image with one large layer and several small ones fetched in small chunks by
 * several workers, verified, resumed after an interruption, and not fetched again once present.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryPullIT {

    private static final FetchSettings SMALL_CHUNKS = new FetchSettings(256 * 1024, 4, 3, Duration.ofSeconds(30));

    @TempDir
    static Path dir;
    private LocalRegistry registry;
    private final byte[] large = random(7, 5 * 1024 * 1024 + 12345); // 21 chunks, the last one short
    private final List<byte[]> small = List.of(random(1, 1000), random(2, 300_000), random(3, 0), random(4, 70_000));
    private Digest ociDigest;

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @BeforeAll
    void startRegistry() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(),
                "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")));
        List<byte[]> layers = new ArrayList<>(small);
        layers.add(2, large);
        ociDigest = registry.pushImage("team/llm", "v1", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8), layers);
        registry.pushImage("team/docker", "v1", RegistryClient.DOCKER_MANIFEST,
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"docker\":true}".getBytes(StandardCharsets.UTF_8), List.of(random(9, 5000)));
    }

    @AfterAll
    void stopRegistry() {
        if (registry != null) registry.close();
    }

    private RegistryClient client() {
        return RegistryClient.forReference(ImageReference.parse(registry.host() + "/x"), RegistryCredentials.anonymous(),
                Duration.ofSeconds(30));
    }

    @Test
    void pullsAnOciManifestByTagAndByDigest() {
        try (RegistryClient c = client()) {
            Manifest byTag = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            assertThat(byTag.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
            assertThat(byTag.digest()).isEqualTo(ociDigest);
            assertThat(byTag.layers()).hasSize(5);
            assertThat(byTag.layers().get(2).size()).isEqualTo(large.length);
            Manifest byDigest = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm@" + ociDigest));
            assertThat(byDigest).isEqualTo(byTag);
        }
    }

    @Test
    void pullsADockerManifest() {
        try (RegistryClient c = client()) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/docker:v1"));
            assertThat(m.mediaType()).isEqualTo(RegistryClient.DOCKER_MANIFEST);
            assertThat(m.layers()).singleElement().extracting(Descriptor::size).isEqualTo(5000L);
        }
    }

    @Test
    void resolvesAnIndexToLinuxAmd64() throws Exception {
        Descriptor arm = new Descriptor(RegistryClient.OCI_MANIFEST, registry.pushImage("team/multi", "arm",
                RegistryClient.OCI_MANIFEST, "{\"architecture\":\"arm64\"}".getBytes(StandardCharsets.UTF_8),
                List.of(random(11, 100))), 0);
        Digest amd = registry.pushImage("team/multi", "amd", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8), List.of(random(12, 200)));
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_INDEX + "\",\"manifests\":["
                + manifestEntry(registry, "team/multi", arm.digest(), "arm64") + ","
                + manifestEntry(registry, "team/multi", amd, "amd64") + "]}";
        registry.pushManifest("team/multi", "latest", RegistryClient.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
        try (RegistryClient c = client()) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/multi"));
            assertThat(m.digest()).isEqualTo(amd);
            assertThat(m.layers()).singleElement().extracting(Descriptor::size).isEqualTo(200L);
        }
    }

    @Test
    void keepsTheManifestBytesSoACopyKeepsItsDigest() {
        try (RegistryClient c = client()) {
            RegistryClient.PulledManifest pulled = c.pullManifestWithBytes(ImageReference.parse(registry.host() + "/team/llm:v1"));
            assertThat(Digest.of(LocalRegistry.sha256(pulled.bytes()))).isEqualTo(ociDigest);
            assertThat(pulled.manifest().digest()).isEqualTo(ociDigest);
        }
    }

    @Test
    void anIndexWithoutLinuxAmd64IsNotFoundRatherThanRetried() throws Exception {
        Digest arm = registry.pushImage("team/armonly", "arm", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"arm64\"}".getBytes(StandardCharsets.UTF_8), List.of(random(13, 100)));
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_INDEX + "\",\"manifests\":["
                + manifestEntry(registry, "team/armonly", arm, "arm64") + "]}";
        registry.pushManifest("team/armonly", "latest", RegistryClient.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
        try (RegistryClient c = client()) {
            assertThatThrownBy(() -> c.pullManifest(ImageReference.parse(registry.host() + "/team/armonly")))
                    .isInstanceOfSatisfying(RegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.retryable()).isFalse();
                    })
                    .hasMessageContaining("no linux/amd64 manifest");
        }
    }

    private static String manifestEntry(LocalRegistry r, String repo, Digest digest, String arch) throws Exception {
        long size = r.manifestSize(repo, digest);
        return "{\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":" + size
                + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + arch + "\"}}";
    }

    @Test
    void missingImagesSayWhatWasAsked() {
        try (RegistryClient c = client()) {
            assertThatThrownBy(() -> c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:nope")))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("pulling manifest nope of " + registry.host() + "/team/llm")
                    .hasMessageContaining("404");
        }
    }

    @Test
    void fetchesEveryBlobInChunksVerifiedAndOnlyOnce() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store-full"));
        try (RegistryClient c = client(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            List<Descriptor> ready = new CopyOnWriteArrayList<>();
            FetchReport first = fetcher.fetch(c, "team/llm", m.blobs(), store, ready::add);
            assertThat(first.blobsFetched()).isEqualTo(6);
            assertThat(first.bytesFetched()).isEqualTo(m.totalBytes());
            assertThat(ready).containsExactlyInAnyOrderElementsOf(m.blobs());
            for (Descriptor d : m.blobs()) {
                byte[] stored = Files.readAllBytes(store.path(d.digest()));
                assertThat(Digest.of(LocalRegistry.sha256(stored))).isEqualTo(d.digest());
            }
            assertThat(Files.readAllBytes(store.path(m.layers().get(2).digest()))).isEqualTo(large);

            FetchReport second = fetcher.fetch(c, "team/llm", m.blobs(), store, d -> { });
            assertThat(second.blobsPresent()).isEqualTo(6);
            assertThat(second.bytesFetched()).isZero();
        }
    }

    @Test
    void twoFetchesNeedingTheSameBlobAtOnceDownloadItOnce() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store-shared"));
        try (RegistryClient c = client(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Callable<FetchReport>> pulls = List.of(
                    () -> { go.await(); return fetcher.fetch(c, "team/llm", m.blobs(), store, d -> { }); },
                    () -> { go.await(); return fetcher.fetch(c, "team/llm", m.blobs(), store, d -> { }); });
            long fetched = 0;
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<FetchReport>> running = pulls.stream().map(pool::submit).toList();
                go.countDown();
                for (var f : running) fetched += f.get().bytesFetched();
            }
            // Whichever way the two interleaved, every blob crossed the network once and is whole in the store.
            assertThat(fetched).isEqualTo(m.totalBytes());
            assertThat(Files.readAllBytes(store.path(m.layers().get(2).digest()))).isEqualTo(large);
        }
    }

    @Test
    void resumesFromTheChunksAnInterruptedFetchLeft() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store-resume"));
        try (RegistryClient c = client(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            Descriptor big = m.layers().get(2);
            // What an interrupted fetch leaves: 8 chunks of the big layer written, 3 of them recorded out of order.
            long chunk = SMALL_CHUNKS.chunkBytes();
            try (FileChannel data = FileChannel.open(store.partialData(big.digest()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileChannel marks = FileChannel.open(store.partialChunks(big.digest(), chunk), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                data.write(ByteBuffer.wrap(large, 0, (int) (8 * chunk)), 0);
                for (int i : new int[] {0, 1, 5}) marks.write(ByteBuffer.wrap(new byte[] {1}), i);
            }
            FetchReport r = fetcher.fetch(c, "team/llm", List.of(big), store, d -> { });
            assertThat(r.bytesResumed()).isEqualTo(3 * chunk);
            assertThat(r.bytesFetched()).isEqualTo(big.size() - 3 * chunk);
            assertThat(Files.readAllBytes(store.path(big.digest()))).isEqualTo(large);
            assertThat(store.partialData(big.digest())).doesNotExist();
        }
    }

    @Test
    void aCorruptPartialBlobIsDiscardedNeverPublished() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store-corrupt"));
        try (RegistryClient c = client(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            Descriptor big = m.layers().get(2);
            long chunk = SMALL_CHUNKS.chunkBytes();
            try (FileChannel data = FileChannel.open(store.partialData(big.digest()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileChannel marks = FileChannel.open(store.partialChunks(big.digest(), chunk), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                data.write(ByteBuffer.wrap(new byte[(int) chunk]), 0); // zeros where the first chunk should be
                marks.write(ByteBuffer.wrap(new byte[] {1}), 0);
            }
            assertThatThrownBy(() -> fetcher.fetch(c, "team/llm", List.of(big), store, d -> { }))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("blob " + big.digest() + " does not match its digest");
            assertThat(store.contains(big.digest())).isFalse();
            assertThat(store.partialData(big.digest())).doesNotExist();

            fetcher.fetch(c, "team/llm", List.of(big), store, d -> { });
            assertThat(Files.readAllBytes(store.path(big.digest()))).isEqualTo(large);
        }
    }

    @Test
    void aFetchHoldsRoomForItsBlobsUntilTheyAreAllPublished() throws Exception {
        long budget = 64L * 1024 * 1024;
        BlobStore store = new BlobStore(dir.resolve("store-reserved"), budget);
        AtomicReference<String> probe = new AtomicReference<>();
        try (RegistryClient c = client(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            // While bytes land, another fetch asking for all the room not yet used must be refused.
            BlobFetcher.Listener listener = new BlobFetcher.Listener() {
                @Override
                public void ready(Descriptor blob) { }

                @Override
                public void landed(long bytes) {
                    if (probe.get() != null) return;
                    try {
                        store.reserve(budget - store.usedBytes()).close();
                        probe.set("nothing reserved");
                    } catch (IOException e) {
                        probe.set(e.getMessage());
                    }
                }
            };
            fetcher.fetch(c, "team/llm", m.blobs(), store, listener);
            assertThat(probe.get()).contains("and " + m.totalBytes() + " by fetches in progress");
            store.reserve(budget - store.usedBytes()).close(); // and released once the blobs count
        }
    }

    @Test
    void aFetchThatCannotFitTheStoreBudgetIsRefusedBeforeAnyByteMoves() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store-small"), 1024 * 1024);
        try (RegistryClient c = client(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ImageReference.parse(registry.host() + "/team/llm:v1"));
            assertThatThrownBy(() -> fetcher.fetch(c, "team/llm", m.blobs(), store, d -> { }))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("budget of 1048576 bytes cannot take " + m.totalBytes() + " more");
            assertThat(store.usedBytes()).isZero();
        }
    }
}
