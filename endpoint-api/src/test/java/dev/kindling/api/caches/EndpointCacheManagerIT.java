package dev.kindling.api.caches;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.leader.SoleReplica;
import dev.kindling.api.metrics.EndpointCacheMetrics;
import dev.kindling.api.reconcile.MutableClock;
import dev.kindling.cache.endpoint.BuildSettings;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import dev.kindling.db.Database;
import dev.kindling.db.TestDatabases;
import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.ComputeRequirements;
import dev.kindling.db.model.Container;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.EndpointCacheStatus;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.ManagedInstanceScaling;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingStrategy;
import dev.kindling.db.model.StartupParameters;
import dev.kindling.db.store.EndpointCacheStore;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The cache manager over a real database and a volume store that records what it is asked, passes run by hand with a
 * clock moved by hand: first builds, rebuilds on a plan change and on a fault, retries after a failure's backoff, one
 * build per endpoint and a bounded number at once, a build whose record moved on thrown away, replaced generations
 * deleted after the grace period and a deleted endpoint's volumes at once.
 */
class EndpointCacheManagerIT {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(60);

    private final Database db = Database.start(TestDatabases.fresh());
    private final DatabaseClient client = DatabaseClient.create(db.connectionFactory());
    private final EndpointConfigStore configs = new EndpointConfigStore(client);
    private final EndpointStore endpoints = new EndpointStore(client);
    private final InferenceComponentStore components = new InferenceComponentStore(client);
    private final EndpointCacheStore caches = new EndpointCacheStore(client);
    private final MutableClock clock = new MutableClock(T0);
    private final RecordingVolumes volumes = new RecordingVolumes();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private EndpointCacheManager manager;

    /** A volume store that builds nothing: it records each build and delete, and fails or holds builds on request. */
    static final class RecordingVolumes implements CacheVolumes {
        final List<String> built = new CopyOnWriteArrayList<>();
        final List<String> deleted = new CopyOnWriteArrayList<>();
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
        final Map<String, CountDownLatch> entered = new ConcurrentHashMap<>();
        final Map<String, StoredVolume> stored = new ConcurrentHashMap<>();

        @Override
        public BuiltVolume build(String endpointName, long generation, EndpointCachePlan plan) {
            entered.computeIfAbsent(endpointName, e -> new CountDownLatch(1)).countDown();
            CountDownLatch hold = holds.get(endpointName);
            if (hold != null) {
                try {
                    hold.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String location = "/v/" + endpointName + "/gen-" + generation;
            built.add(location);
            if (failing.contains(endpointName)) {
                throw new CacheBuildException("image " + plan.images().getFirst() + ": HTTP 503", null);
            }
            stored.put(location, new StoredVolume(endpointName, generation, location));
            return new BuiltVolume(location, 100L * plan.images().size(), 10L * plan.models().size(),
                    "{\"endpointName\":\"" + endpointName + "\",\"generation\":" + generation + "}");
        }

        @Override
        public void delete(String location) {
            deleted.add(location);
            stored.remove(location);
        }

        @Override
        public List<StoredVolume> stored() {
            return new ArrayList<>(stored.values());
        }
    }

    private EndpointCacheManager manager(int maxConcurrentBuilds, CacheSwitches switches) {
        manager = new EndpointCacheManager(endpoints, components, caches, volumes, switches,
                new EndpointCacheManager.Settings(Duration.ofSeconds(2), maxConcurrentBuilds, GRACE,
                        new BuildSettings(Duration.ofSeconds(5), Duration.ofSeconds(60))),
                new SoleReplica("test", T0), clock, new EndpointCacheMetrics(meters));
        return manager;
    }

    @AfterEach
    void close() {
        if (manager != null) manager.stop();
        db.close();
    }

    private void endpoint(String name) {
        configs.create(new EndpointConfig(name, List.of(new ProductionVariant("AllTraffic", "ml.g5.xlarge", 1,
                RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, new ManagedInstanceScaling(ManagedInstanceScaling.Status.DISABLED,
                1, 1))), T0)).block();
        endpoints.create(new Endpoint(name, name, EndpointStatus.InService, null, T0, T0, T0, 1)).block();
    }

    private static ComponentSpec spec(String image, String model, boolean modelCached) {
        return new ComponentSpec(new Container(image, model, Map.of()), new ComputeRequirements(1, 1, 1024, null),
                new StartupParameters(600, 600), modelCached);
    }

    private void component(String name, String endpoint, ComponentSpec spec) {
        components.create(new InferenceComponent(name, endpoint, "AllTraffic", spec, 1, 1, ComponentStatus.InService, null,
                T0, T0, T0, 1)).block();
    }

    private void respec(String name, ComponentSpec spec) {
        InferenceComponent c = components.find(name).block();
        assertThat(components.update(new InferenceComponent(c.name(), c.endpointName(), c.variantName(), spec,
                c.specRevision() + 1, c.desiredCopyCount(), c.status(), null, c.creationTime(), T0, T0, c.version()),
                c.version()).block()).isTrue();
    }

    private EndpointCache cache(String endpoint) {
        return caches.find(endpoint).block();
    }

    /** A pass, then the builds it started, to their end. */
    private void passAndBuild(String... endpointsBuilding) {
        manager.passOnce();
        for (String e : endpointsBuilding) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !manager.building(e));
        }
    }

    @Test
    void anEndpointGetsItsFirstVolumeAndAnotherOnlyWhenItsPlanChanges() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("e");
        component("llm", "e", spec("repo/llm:1", "s3://m/llm.tar.gz", true));

        passAndBuild("e");
        EndpointCache first = cache("e");
        assertThat(first.status()).isEqualTo(EndpointCacheStatus.Ready);
        assertThat(first.generation()).isEqualTo(1);
        assertThat(first.readyLocation()).isEqualTo("/v/e/gen-1");
        assertThat(first.plan()).isEqualTo(new EndpointCache.Plan(List.of("repo/llm:1"), List.of("s3://m/llm.tar.gz")));
        assertThat(first.buildReason()).isEqualTo("planned");
        assertThat(first.imageBytes()).isEqualTo(100);
        assertThat(first.modelBytes()).isEqualTo(10);
        assertThat(first.peerToken()).matches("[A-Za-z0-9_-]{43}");
        assertThat(meters.get("kindling.endpoint.cache.build").tags("endpoint", "e", "outcome", "Ready").timer().count())
                .isEqualTo(1);

        passAndBuild("e");
        assertThat(volumes.built).containsExactly("/v/e/gen-1");

        // Switching the component's model cache off changes the plan: a volume without the model.
        respec("llm", spec("repo/llm:1", "s3://m/llm.tar.gz", false));
        passAndBuild("e");
        EndpointCache second = cache("e");
        assertThat(second.generation()).isEqualTo(2);
        assertThat(second.readyGeneration()).isEqualTo(2);
        assertThat(second.buildReason()).isEqualTo("plan-changed");
        assertThat(second.plan().models()).isEmpty();
        assertThat(second.modelBytes()).isZero();
        assertThat(second.peerToken()).isEqualTo(first.peerToken());
        assertThat(meters.get("kindling.endpoint.cache.bytes").tags("endpoint", "e", "artifact", "image").gauge().value())
                .isEqualTo(100);

        // Generation 1 stays for agents still reading it, until the grace period has passed.
        clock.advance(GRACE.minusSeconds(1));
        passAndBuild();
        assertThat(volumes.deleted).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        passAndBuild();
        assertThat(volumes.deleted).containsExactly("/v/e/gen-1");
    }

    @Test
    void aFailedBuildIsRecordedAndRetriedAfterItsBackoffWhileTheReadyVolumeStays() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("f");
        component("llm", "f", spec("repo/llm:1", null, true));
        passAndBuild("f");
        component("more", "f", spec("repo/more:1", null, true));
        volumes.failing.add("f");

        passAndBuild("f");
        EndpointCache failed = cache("f");
        assertThat(failed.status()).isEqualTo(EndpointCacheStatus.Failed);
        assertThat(failed.generation()).isEqualTo(2);
        assertThat(failed.failureReason()).isEqualTo("image repo/llm:1: HTTP 503");
        assertThat(failed.readyGeneration()).as("agents keep the ready volume").isEqualTo(1);
        assertThat(failed.readyLocation()).isEqualTo("/v/f/gen-1");

        clock.advance(Duration.ofSeconds(4));
        passAndBuild("f");
        assertThat(cache("f").generation()).as("within the 5 s backoff").isEqualTo(2);

        volumes.failing.remove("f");
        clock.advance(Duration.ofSeconds(1));
        passAndBuild("f");
        EndpointCache retried = cache("f");
        assertThat(retried.generation()).isEqualTo(3);
        assertThat(retried.status()).isEqualTo(EndpointCacheStatus.Ready);
        assertThat(retried.buildReason()).isEqualTo("retry: generation 2 failed");
        assertThat(retried.failureReason()).isNull();
        assertThat(meters.get("kindling.endpoint.cache.build").tags("endpoint", "f", "outcome", "Failed").timer().count())
                .isEqualTo(1);
    }

    @Test
    void aFaultInTheReadyVolumeRebuildsIt() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("g");
        component("llm", "g", spec("repo/llm:1", "s3://m/llm.tar.gz", true));
        passAndBuild("g");
        assertThat(caches.recordFaults("g", 1, 2).block()).isTrue();

        passAndBuild("g");
        EndpointCache rebuilt = cache("g");
        assertThat(rebuilt.generation()).isEqualTo(2);
        assertThat(rebuilt.readyGeneration()).isEqualTo(2);
        assertThat(rebuilt.buildReason()).isEqualTo("fault: 2 faults reported on generation 1");
        assertThat(rebuilt.faults()).isZero();
        passAndBuild("g");
        assertThat(cache("g").generation()).as("one rebuild per fault report").isEqualTo(2);
    }

    @Test
    void aDeletedEndpointsVolumesAreDeletedAtOnce() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("gone");
        endpoint("kept");
        component("a", "gone", spec("repo/a:1", null, true));
        component("b", "kept", spec("repo/b:1", null, true));
        passAndBuild("gone", "kept");
        assertThat(volumes.stored()).hasSize(2);

        components.delete("a").block();
        endpoints.delete("gone").block();
        passAndBuild();
        assertThat(volumes.deleted).containsExactly("/v/gone/gen-1");
        assertThat(volumes.stored()).extracting(CacheVolumes.StoredVolume::endpointName).containsExactly("kept");
        assertThat(meters.find("kindling.endpoint.cache.bytes").tag("endpoint", "gone").gauges()).isEmpty();
    }

    @Test
    void aVolumeNoRecordNeedsIsDeletedEvenIfTheStoreListsItOnly() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("listed");
        volumes.stored.put("/v/stale/gen-4", new CacheVolumes.StoredVolume("stale", 4, "/v/stale/gen-4"));
        passAndBuild();
        assertThat(volumes.deleted).containsExactly("/v/stale/gen-4");
    }

    @Test
    void aBuildFinishingAfterItsRecordMovedOnIsThrownAway() throws Exception {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("h");
        component("llm", "h", spec("repo/llm:1", null, true));
        CountDownLatch hold = new CountDownLatch(1);
        volumes.holds.put("h", hold);
        manager.passOnce();
        assertThat(volumes.entered.computeIfAbsent("h", e -> new CountDownLatch(1)).await(30, TimeUnit.SECONDS)).isTrue();
        // Meanwhile another replica, now leading, started generation 2.
        assertThat(caches.requestBuild("h", 1, 2, EndpointCache.Plan.EMPTY, "interrupted", T0).block()).isTrue();
        hold.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !manager.building("h"));

        assertThat(volumes.built).containsExactly("/v/h/gen-1");
        assertThat(volumes.deleted).containsExactly("/v/h/gen-1");
        assertThat(cache("h").readyGeneration()).isNull();
        assertThat(cache("h").generation()).isEqualTo(2);
    }

    @Test
    void oneBuildAtATimeWhenOneBuilderIsConfigured() throws Exception {
        manager(1, CacheSwitches.ALL_ON);
        endpoint("p");
        endpoint("q");
        component("a", "p", spec("repo/a:1", null, true));
        component("b", "q", spec("repo/b:1", null, true));
        CountDownLatch hold = new CountDownLatch(1);
        volumes.holds.put("p", hold);
        volumes.holds.put("q", hold);

        manager.passOnce();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> volumes.entered.size() == 1);
        // Both are requested; the second waits for the builder, so its build has not started.
        assertThat(List.of(cache("p"), cache("q"))).allSatisfy(c -> assertThat(c.status()).isEqualTo(EndpointCacheStatus.Building));
        assertThat(List.of(cache("p"), cache("q"))).filteredOn(c -> c.buildStartedAt() == null).hasSize(1);
        // A second pass starts nothing more: each endpoint has its build.
        manager.passOnce();
        assertThat(cache("p").generation()).isEqualTo(1);
        assertThat(cache("q").generation()).isEqualTo(1);

        hold.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !manager.building("p") && !manager.building("q"));
        assertThat(volumes.built).hasSize(2);
        assertThat(List.of(cache("p"), cache("q"))).allSatisfy(c -> assertThat(c.status()).isEqualTo(EndpointCacheStatus.Ready));
    }

    @Test
    void anEndpointWithNothingToCacheGetsARecordForItsPeerTokenAndNoBuild() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("bare");
        passAndBuild();
        EndpointCache bare = cache("bare");
        assertThat(bare.generation()).isZero();
        assertThat(bare.readyGeneration()).isNull();
        assertThat(bare.peerToken()).isNotBlank();
        assertThat(volumes.built).isEmpty();

        component("late", "bare", spec("repo/late:1", null, true));
        passAndBuild("bare");
        assertThat(cache("bare").generation()).isEqualTo(1);
        assertThat(cache("bare").buildReason()).isEqualTo("plan-changed");
        assertThat(cache("bare").peerToken()).isEqualTo(bare.peerToken());
    }

    @Test
    void theSwitchesShapeThePlan() {
        manager(2, new CacheSwitches(false, true, true));
        endpoint("models-only");
        component("m", "models-only", spec("repo/m:1", "s3://m/m.tar.gz", true));
        passAndBuild("models-only");
        assertThat(cache("models-only").plan()).isEqualTo(new EndpointCache.Plan(List.of(), List.of("s3://m/m.tar.gz")));
    }

    @Test
    void aDeletingEndpointGetsNoNewBuild() {
        manager(2, CacheSwitches.ALL_ON);
        endpoint("leaving");
        component("a", "leaving", spec("repo/a:1", null, true));
        Endpoint e = endpoints.find("leaving").block();
        endpoints.update(new Endpoint(e.name(), e.configName(), EndpointStatus.Deleting, null, T0, T0, T0, e.version()),
                e.version()).block();
        passAndBuild();
        assertThat(cache("leaving")).isNull();
        assertThat(volumes.built).isEmpty();
    }
}
