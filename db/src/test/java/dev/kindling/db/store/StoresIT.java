package dev.kindling.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.Database;
import dev.kindling.db.TestDatabases;
import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.ComputeRequirements;
import dev.kindling.db.model.Container;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ManagedInstanceScaling;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingStrategy;
import dev.kindling.db.model.ScalableTargetRecord;
import dev.kindling.db.model.ScalingPolicyRecord;
import dev.kindling.db.model.StartupParameters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;

/** The stores against a real PostgreSQL: conflicts, keyset pages, filters, version checks, cascades. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoresIT {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ComponentSpec SPEC = new ComponentSpec(new Container("repo/m:1", null, Map.of("K", "v")),
            new ComputeRequirements(1, 2.5, 4096, null), new StartupParameters(600, 600));

    private Database db;
    private EndpointConfigStore configs;
    private EndpointStore endpoints;
    private InferenceComponentStore components;
    private InstanceStore instances;
    private CopyStore copies;
    private ScalingStore scaling;

    @BeforeAll
    void start() {
        db = Database.start(TestDatabases.fresh());
        DatabaseClient client = DatabaseClient.create(db.connectionFactory());
        configs = new EndpointConfigStore(client);
        endpoints = new EndpointStore(client);
        components = new InferenceComponentStore(client);
        instances = new InstanceStore(client);
        copies = new CopyStore(client);
        scaling = new ScalingStore(client);
    }

    @AfterAll
    void stop() {
        db.close();
    }

    private EndpointConfig config(String name) {
        EndpointConfig c = new EndpointConfig(name, List.of(new ProductionVariant("AllTraffic", "ml.g5.xlarge", 2,
                RoutingStrategy.RANDOM, new ManagedInstanceScaling(ManagedInstanceScaling.Status.ENABLED, 1, 4))), T0);
        assertThat(configs.create(c).block()).isTrue();
        return c;
    }

    private Endpoint endpoint(String name, String config) {
        Endpoint e = new Endpoint(name, config, EndpointStatus.Creating, null, T0, T0, T0, 1);
        assertThat(endpoints.create(e).block()).isTrue();
        return endpoints.find(name).block();
    }

    private InferenceComponent component(String name, String endpoint) {
        InferenceComponent c = new InferenceComponent(name, endpoint, "AllTraffic", SPEC, 1, 2, ComponentStatus.Creating,
                null, T0, T0, T0, 1);
        assertThat(components.create(c).block()).isTrue();
        return components.find(name).block();
    }

    private Instance instance(String id, String endpoint) {
        instances.insert(new Instance(id, endpoint, "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null, T0,
                null, null, null)).block();
        return instances.find(id).block();
    }

    private Copy copy(String id, String component, String instance) {
        copies.insert(new Copy(id, component, instance, 1, 1, 2500, 4096, CopyStatus.Pending, null, null, T0, null)).block();
        return copies.findByComponent(component).filter(c -> c.id().equals(id)).blockFirst();
    }

    @Test
    void configsRoundTripAndRefuseDuplicates() {
        EndpointConfig c = config("rt-config");
        assertThat(configs.find("rt-config").block()).isEqualTo(c);
        assertThat(configs.create(c).block()).isFalse();
    }

    @Test
    void listingsPageByNameWithFilters() {
        config("page-cfg");
        List<String> names = IntStream.range(0, 25).mapToObj(i -> String.format("page-%02d", 24 - i)).toList();
        names.forEach(n -> endpoint(n, "page-cfg"));
        List<Integer> sizes = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            Page<Endpoint> page = endpoints.list(new ListQuery("PAGE-", null, null, after, 10)).block();
            sizes.add(page.items().size());
            page.items().forEach(e -> seen.add(e.name()));
            after = page.nextToken() == null ? null : ListQuery.decodeToken(page.nextToken());
        } while (after != null);
        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(seen).isSorted().hasSize(25);

        Endpoint e = endpoints.find("page-07").block();
        endpoints.update(new Endpoint(e.name(), e.configName(), EndpointStatus.InService, null, T0, T0, T0, 0), e.version()).block();
        assertThat(endpoints.list(new ListQuery("page-", "InService", null, null, 100)).block().items())
                .extracting(Endpoint::name).containsExactly("page-07");
    }

    @Test
    void tokensAreOnlyTheOnesListingsMake() {
        assertThat(ListQuery.decodeToken(ListQuery.encodeToken("ki-0123abcd"))).isEqualTo("ki-0123abcd");
        for (String bad : List.of("AAAA", "!!!", "", ListQuery.encodeToken("has space"), ListQuery.encodeToken("x") + "=")) {
            assertThatThrownBy(() -> ListQuery.decodeToken(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void updatesWithAStaleVersionChangeNothingAndExactlyOneOfManyRacersWins() {
        config("ver-cfg");
        Endpoint e = endpoint("ver", "ver-cfg");
        Endpoint changed = new Endpoint("ver", "ver-cfg", EndpointStatus.InService, null, T0, T0, T0, 0);
        assertThat(endpoints.update(changed, e.version() + 1).block()).isFalse();
        assertThat(endpoints.find("ver").block()).isEqualTo(e);

        List<Boolean> results = Flux.range(0, 20).flatMap(i -> endpoints.update(changed, e.version())).collectList().block();
        assertThat(results).filteredOn(ok -> ok).hasSize(1);
        assertThat(endpoints.find("ver").block().version()).isEqualTo(e.version() + 1);

        InferenceComponent c = component("ver-ic", "ver");
        InferenceComponent more = new InferenceComponent(c.name(), c.endpointName(), c.variantName(), SPEC, 2, 5,
                ComponentStatus.Updating, null, T0, T0, T0, 0);
        assertThat(components.update(more, c.version() - 1).block()).isFalse();
        assertThat(components.update(more, c.version()).block()).isTrue();
        InferenceComponent read = components.find("ver-ic").block();
        assertThat(read.version()).isEqualTo(c.version() + 1);
        assertThat(read.desiredCopyCount()).isEqualTo(5);
        assertThat(read.specification()).isEqualTo(SPEC);
    }

    @Test
    void configDeleteIsRefusedWhileInUse() {
        config("del-cfg");
        assertThat(configs.delete("nope").block()).isEqualTo(EndpointConfigStore.DeleteOutcome.NOT_FOUND);
        endpoint("del-user", "del-cfg");
        assertThat(configs.delete("del-cfg").block()).isEqualTo(EndpointConfigStore.DeleteOutcome.IN_USE);
        assertThat(configs.usedBy("del-cfg").block()).containsExactly("del-user");
        endpoints.delete("del-user").block();
        assertThat(configs.delete("del-cfg").block()).isEqualTo(EndpointConfigStore.DeleteOutcome.DELETED);
    }

    @Test
    void componentsNeedALiveEndpoint() {
        config("ic-cfg");
        Endpoint e = endpoint("ic-ep", "ic-cfg");
        InferenceComponent orphan = new InferenceComponent("orphan", "no-such-endpoint", "AllTraffic", SPEC, 1, 1,
                ComponentStatus.Creating, null, T0, T0, T0, 1);
        assertThat(components.create(orphan).block()).isFalse();
        endpoints.update(new Endpoint(e.name(), e.configName(), EndpointStatus.Deleting, null, T0, T0, T0, 0), e.version()).block();
        assertThat(components.create(new InferenceComponent("late", "ic-ep", "AllTraffic", SPEC, 1, 1,
                ComponentStatus.Creating, null, T0, T0, T0, 1)).block()).isFalse();
    }

    @Test
    void instancesMoveFromPendingToTerminated() {
        config("in-cfg");
        endpoint("in-ep", "in-cfg");
        instance("ki-1", "in-ep");
        assertThat(instances.heartbeat("ki-1", T0).block()).as("not registered yet").isFalse();
        assertThat(instances.register("ki-1", "http://127.0.0.1:1", T0.plusSeconds(1)).block()).isTrue();
        Instance registered = instances.find("ki-1").block();
        assertThat(registered.status()).isEqualTo(InstanceStatus.InService);
        assertThat(registered.agentUrl()).isEqualTo("http://127.0.0.1:1");
        assertThat(instances.heartbeat("ki-1", T0.plusSeconds(2)).block()).isTrue();
        assertThat(instances.markTerminating("ki-1", "first reason").block()).isTrue();
        assertThat(instances.markTerminating("ki-1", "second reason").block()).isFalse();
        assertThat(instances.heartbeat("ki-1", T0.plusSeconds(3)).block()).isFalse();
        assertThat(instances.register("ki-1", "http://x", T0.plusSeconds(3)).block()).isFalse();
        assertThat(instances.markTerminated("ki-1", T0.plusSeconds(4)).block()).isTrue();
        Instance gone = instances.find("ki-1").block();
        assertThat(gone.failureReason()).isEqualTo("first reason");
        assertThat(gone.terminatedAt()).isEqualTo(T0.plusSeconds(4));
        assertThat(instances.findUnterminated().map(Instance::id).collectList().block()).doesNotContain("ki-1");
    }

    @Test
    void copyReportsNeverOverrideTheControlPlanesStopOrFailure() {
        config("cp-cfg");
        endpoint("cp-ep", "cp-cfg");
        component("cp-ic", "cp-ep");
        instance("ki-cp", "cp-ep");
        copy("kc-1", "cp-ic", "ki-cp");
        copy("kc-2", "cp-ic", "ki-cp");

        assertThat(copies.reportObserved("kc-1", "ki-cp", CopyStatus.InService, "http://m", null, T0.plusSeconds(1)).block()).isTrue();
        assertThat(copies.reportObserved("kc-1", "other-instance", CopyStatus.Failed, null, "x", null).block()).isFalse();
        copies.reportObserved("kc-1", "ki-cp", CopyStatus.InService, "http://m", null, T0.plusSeconds(9)).block();
        assertThat(copies.findByInstance("ki-cp").filter(c -> c.id().equals("kc-1")).blockFirst().readyAt())
                .as("ready time is the first one").isEqualTo(T0.plusSeconds(1));

        copies.markStopping("kc-1").block();
        assertThat(copies.reportObserved("kc-1", "ki-cp", CopyStatus.InService, "http://m", null, null).block()).isFalse();
        assertThat(copies.markFailed("kc-1", "instance died").block()).isFalse();

        copies.markFailed("kc-2", "crashed").block();
        assertThat(copies.reportObserved("kc-2", "ki-cp", CopyStatus.InService, "http://m", null, null).block()).isFalse();

        components.delete("cp-ic").block();
        assertThat(copies.findByInstance("ki-cp").collectList().block()).as("copies go with their component").isEmpty();
    }

    @Test
    void scalingTargetsAndPoliciesUpsertWithVersionsAndCascade() {
        config("sc-cfg");
        endpoint("sc-ep", "sc-cfg");
        component("sc-ic", "sc-ep");
        ScalableTargetRecord t = new ScalableTargetRecord("sc-ic", 1, 4, false, false, T0, T0, 0);
        assertThat(scaling.putTarget(t, null).block()).isTrue();
        assertThat(scaling.findTarget("sc-ic").block().version()).isEqualTo(1);
        assertThat(scaling.putTarget(new ScalableTargetRecord("sc-ic", 2, 8, true, false, T0, T0, 0), 1L).block()).isTrue();
        assertThat(scaling.putTarget(t, 1L).block()).as("stale version").isFalse();
        ScalableTargetRecord read = scaling.findTarget("sc-ic").block();
        assertThat(read.version()).isEqualTo(2);
        assertThat(read.maxCapacity()).isEqualTo(8);
        assertThat(read.scaleInSuspended()).isTrue();

        ScalingPolicyRecord p = new ScalingPolicyRecord("sc-ic", "cpu", "TargetTrackingScaling", "{\"targetValue\": 4}", T0, T0, 0);
        assertThat(scaling.putPolicy(p, null).block()).isTrue();
        assertThat(scaling.putPolicy(p, null).block()).isTrue();
        assertThat(scaling.findPolicy("sc-ic", "cpu").block().version()).isEqualTo(2);
        assertThat(scaling.findPolicies("sc-ic").collectList().block()).hasSize(1);

        components.delete("sc-ic").block();
        assertThat(scaling.findTarget("sc-ic").block()).isNull();
        assertThat(scaling.findPolicies("sc-ic").collectList().block()).isEmpty();
    }
}
