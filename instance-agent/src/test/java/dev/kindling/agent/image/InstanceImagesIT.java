package dev.kindling.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.TestTars;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.cache.TierReport;
import dev.kindling.agent.cache.TieredFetch;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.agent.store.DiskBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance's images against a real registry: pulled once however many copies ask, found again without the
 * registry, mirrored for ECR, and pinned while copies use them.
 */
class InstanceImagesIT {

    private static final String ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    @TempDir
    static Path shared;
    private static LocalRegistry registry;
    private static Digest manifestDigest;

    @TempDir
    Path dir;
    private BlobFetcher fetcher;
    private Registries registries;
    private final AtomicInteger cacheAsked = new AtomicInteger();

    @BeforeAll
    static void registry() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(), "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        registry = LocalRegistry.start(Files.createDirectories(shared.resolve("registry")));
        byte[] weights = new byte[1 << 20];
        new Random(11).nextBytes(weights);
        manifestDigest = registry.pushImage("team/app", "v1", RegistryClient.OCI_MANIFEST, "{}".getBytes(StandardCharsets.UTF_8),
                List.of(TestTars.tar(false, "app/weights.bin", weights), TestTars.tar(false, "app/config", "one".getBytes(StandardCharsets.UTF_8))));
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) registry.close();
    }

    @AfterEach
    void close() {
        if (fetcher != null) fetcher.close();
        if (registries != null) registries.close();
    }

    /** A cache tier that never has anything and counts how often it was asked: once per blob per pull. */
    private final ImageCache countingMiss = new ImageCache() {
        @Override
        public String name() {
            return "counting";
        }

        @Override
        public Outcome provide(Descriptor blob, BlobStore store) {
            cacheAsked.incrementAndGet();
            return new Outcome.Miss();
        }
    };

    private InstanceImages images(BlobStore store, String defaultRegistry, String ecrMirror) {
        fetcher = new BlobFetcher(new FetchSettings(256 * 1024, 2, 2, Duration.ofSeconds(10)));
        registries = new Registries(new Registries.Settings(defaultRegistry, ecrMirror, RegistryCredentials.anonymous(),
                Duration.ofSeconds(5)));
        return new InstanceImages(dir.resolve("images"), store, registries,
                new ImagePuller(new TieredFetch(List.of(countingMiss), fetcher), Throughput.UNLIMITED));
    }

    @Test
    void anImageIsPulledUnpackedAndFoundAgainWithoutFetching() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"));
        InstanceImages images = images(store, null, null);

        try (InstanceImages.PreparedImage first = images.prepare(registry.host() + "/team/app:v1")) {
            assertThat(first.manifest().digest()).isEqualTo(manifestDigest);
            assertThat(first.tiers().get(TieredFetch.REGISTRY).hits()).isEqualTo(3);
            assertThat(Files.readString(first.rootfs().resolve("app/config"))).isEqualTo("one");
            assertThat(Files.size(first.rootfs().resolve("app/weights.bin"))).isEqualTo(1 << 20);
        }
        int asked = cacheAsked.get();

        try (InstanceImages.PreparedImage again = images.prepare(registry.host() + "/team/app:v1")) {
            assertThat(again.tiers()).containsOnlyKeys(TieredFetch.LOCAL);
            assertThat(again.tiers().get(TieredFetch.LOCAL).hits()).isEqualTo(3);
            assertThat(cacheAsked.get()).as("no tier was asked for a blob").isEqualTo(asked);
        }
    }

    @Test
    void copiesAskingAtOnceShareOnePull() throws Exception {
        InstanceImages images = images(new BlobStore(dir.resolve("store")), null, null);
        CountDownLatch go = new CountDownLatch(1);
        List<Callable<InstanceImages.PreparedImage>> copies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            copies.add(() -> {
                go.await();
                return images.prepare(registry.host() + "/team/app:v1");
            });
        }
        int registryHits = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<InstanceImages.PreparedImage>> running = copies.stream().map(pool::submit).toList();
            go.countDown();
            for (Future<InstanceImages.PreparedImage> f : running) {
                try (InstanceImages.PreparedImage p = f.get()) {
                    assertThat(Files.readString(p.rootfs().resolve("app/config"))).isEqualTo("one");
                    TierReport.TierStats registryTier = p.tiers().get(TieredFetch.REGISTRY);
                    if (registryTier != null) registryHits += registryTier.hits();
                }
            }
        }
        // Each pull asks the cache tier once per blob (3). Copies that came while it ran joined it; one that came
        // after it found the image unpacked. Either way the registry was pulled from once, and only the copy that
        // pulled reports it: the others were served by the instance's store.
        assertThat(cacheAsked.get()).isEqualTo(3);
        assertThat(registryHits).isEqualTo(3);
    }

    @Test
    void aBareNameIsPulledFromTheDefaultRegistryAndAnEcrImageFromItsMirror() throws Exception {
        InstanceImages images = images(new BlobStore(dir.resolve("store")), registry.host(), registry.host());

        try (InstanceImages.PreparedImage bare = images.prepare("team/app:v1");
             InstanceImages.PreparedImage ecr = images.prepare(ECR + "/team/app:v1")) {
            assertThat(bare.manifest().digest()).isEqualTo(manifestDigest);
            assertThat(ecr.reference().registry()).as("reported as the user named it").isEqualTo(ECR);
            assertThat(ecr.manifest().digest()).isEqualTo(manifestDigest);
        }
    }

    @Test
    void anUnreachableRegistryIsAnsweredFromTheManifestKeptHere() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"));
        images(store, null, null).prepare(registry.host() + "/team/app:v1").close();
        close();

        // The same instance later (a new agent on the same disk), with the registry gone.
        InstanceImages later = images(store, null, null);
        registry.close();
        try {
            try (InstanceImages.PreparedImage p = later.prepare(registry.host() + "/team/app:v1")) {
                assertThat(p.manifest().digest()).isEqualTo(manifestDigest);
                assertThat(p.fallbacks()).singleElement().asString()
                        .contains("the registry could not be reached").contains(manifestDigest.toString());
            }
            assertThatThrownBy(() -> later.prepare(registry.host() + "/team/other:v1"))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageStartingWith("image " + registry.host() + "/team/other:v1: ");
        } finally {
            registry = LocalRegistry.start(Files.createDirectories(shared.resolve("registry")));
        }
    }

    @Test
    void aPreparedImageIsPinnedUntilItsCopyLetsGoThenItsBlobsAndTreeAreEvictable() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"), new DiskBudget(3L << 20));
        InstanceImages images = images(store, null, null);
        InstanceImages.PreparedImage held = images.prepare(registry.host() + "/team/app:v1");
        Path tree = held.rootfs();
        // Blobs and the unpacked tree both count: about 1 MiB each.
        assertThat(store.budget().usedBytes(InstanceImages.BUDGET_NAME)).isEqualTo((1 << 20) + 3);
        assertThat(store.budget().usedBytes()).isGreaterThan(2L << 20);

        assertThatThrownBy(() -> store.budget().makeRoom(3L << 20)).hasMessageContaining("held by running copies")
                .hasMessageContaining("image " + manifestDigest.hex());

        held.close();
        store.budget().makeRoom(3L << 20);
        assertThat(store.budget().usedBytes()).isZero();
        assertThat(tree).doesNotExist();

        // Evicted, it comes back from the registry; the kept manifest was not evicted with it.
        try (InstanceImages.PreparedImage again = images.prepare(registry.host() + "/team/app@" + manifestDigest)) {
            assertThat(again.tiers().get(TieredFetch.REGISTRY).hits()).isEqualTo(3);
            assertThat(Files.readString(again.rootfs().resolve("app/config"))).isEqualTo("one");
        }
    }

    @Test
    void treesUnpackedBeforeARestartCountAgainstTheBudget() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"), new DiskBudget(1L << 30));
        images(store, null, null).prepare(registry.host() + "/team/app:v1").close();
        close();

        BlobStore reopened = new BlobStore(dir.resolve("store"), new DiskBudget(1L << 30));
        images(reopened, null, null);
        assertThat(reopened.budget().usedBytes(InstanceImages.BUDGET_NAME)).isEqualTo((1 << 20) + 3);
    }

    @Test
    void aTreeMovedAsideIsDeletedAtRestartAndOneAlreadyGoneIsEvictedAllTheSame() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"), new DiskBudget(1L << 30));
        images(store, null, null).prepare(registry.host() + "/team/app:v1").close();
        close();
        Path leftover = Files.createDirectories(dir.resolve("images").resolve(FileTrees.ASIDE + "1/rootfs/app"));
        FileTrees.delete(dir.resolve("images").resolve(manifestDigest.hex()).resolve("rootfs")); // removed by hand, say

        BlobStore reopened = new BlobStore(dir.resolve("store"), new DiskBudget(1L << 30));
        images(reopened, null, null);
        assertThat(leftover.getParent().getParent()).doesNotExist();
        reopened.budget().makeRoom(1L << 30); // evicts everything, the tree with nothing left to move included
        assertThat(reopened.budget().usedBytes()).isZero();
    }

    @Test
    void whatACrashedUnpackLeftIsRedone() throws Exception {
        InstanceImages images = images(new BlobStore(dir.resolve("store")), null, null);
        Path partial = Files.createDirectories(dir.resolve("images").resolve(manifestDigest.hex()).resolve("rootfs.partial/app"));
        Files.writeString(partial.resolve("half-written"), "x");

        try (InstanceImages.PreparedImage p = images.prepare(registry.host() + "/team/app@" + manifestDigest)) {
            assertThat(p.rootfs().resolve("app/half-written")).doesNotExist();
            assertThat(Files.readString(p.rootfs().resolve("app/config"))).isEqualTo("one");
        }
        assertThat(partial).doesNotExist();
    }
}
