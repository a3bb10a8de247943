package dev.kindling.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.kindling.agent.protocol.CacheInventory;
import dev.kindling.agent.protocol.CacheInventory.Held;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.InventoryJson;
import dev.kindling.cache.placement.PlacementExplanation;
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
import dev.kindling.db.model.StartupParameters;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Warm placement as the planner applies it: instances' heartbeat inventories make them warm for a component, a
 * scale-out lands on the warm instance first with the reason recorded, a copy that lands on an instance launched
 * for it says so, and a scale-in takes copies from the coldest instances first.
 */
class WarmPlacementPlanTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = T0.plusSeconds(1000);
    private static final ReconcilePlanner PLANNER = new ReconcilePlanner(new InstanceTypeCatalog(),
            new ReconcileSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30),
                    Duration.ofSeconds(2), Duration.ofSeconds(300)));
    private static final String IMAGE = "repo/m:1";
    private static final String MODEL = "s3://models/m.tar.gz";
    private static final long IMAGE_BYTES = 177_000_000L;
    private static final long MODEL_BYTES = 160_000_000L;
    /** One accelerator per copy; an ml.g5.12xlarge has four. */
    private static final ComponentSpec SPEC = new ComponentSpec(new Container(IMAGE, MODEL, Map.of()),
            new ComputeRequirements(1, 1, 1024, null), new StartupParameters(600, 600));

    private static String holds(String... sources) {
        List<Held> images = new ArrayList<>();
        List<Held> models = new ArrayList<>();
        for (String s : sources) {
            if (s.equals(IMAGE)) images.add(new Held(s, IMAGE_BYTES));
            else if (s.equals(MODEL)) models.add(new Held(s, MODEL_BYTES));
            else images.add(new Held(s, 5_000_000_000L));
        }
        return InventoryJson.write(new CacheInventory(images, models));
    }

    /** An in-service instance, marked idle long ago (so not new), holding {@code inventory}. */
    private static Instance instance(String id, String type, long cachedBytes, String inventory) {
        return new Instance(id, "ep", "AllTraffic", type, InstanceStatus.InService, "http://a", null, T0, T0, NOW,
                null, T0.plusSeconds(1), cachedBytes, inventory);
    }

    private static Instance big(String id, String inventory) {
        return instance(id, "ml.g5.12xlarge", 0, inventory);
    }

    private static Copy copy(String id, String component, String instance, CopyStatus status, Instant created) {
        return new Copy(id, component, instance, 1, 1, 1000, 1024, status, "http://m", null, created, created, null);
    }

    private static InferenceComponent component(String name, int copies) {
        return new InferenceComponent(name, "ep", "AllTraffic", SPEC, 1, copies, ComponentStatus.InService, null, T0, T0,
                T0, 1);
    }

    private static List<Action> plan(String type, ManagedInstanceScaling managed, List<InferenceComponent> components,
                                     List<Instance> instances, List<Copy> copies) {
        Endpoint e = new Endpoint("ep", "cfg", EndpointStatus.InService, null, T0, T0, T0, 1);
        ProductionVariant v = new ProductionVariant("AllTraffic", type, instances.size(),
                RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, managed);
        return PLANNER.plan(new FleetSnapshot(List.of(e), Map.of("cfg", new EndpointConfig("cfg", List.of(v), T0)),
                components, instances, copies), NOW);
    }

    private static List<Action.PlaceCopy> placed(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.PlaceCopy).map(a -> (Action.PlaceCopy) a).toList();
    }

    private static List<String> stopped(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.StopCopy).map(a -> ((Action.StopCopy) a).copyId()).toList();
    }

    static Stream<Arguments> scaleOuts() {
        return Stream.of(
                Arguments.of("lands on the warm instance, not the first by id",
                        List.of(big("a", null), big("b", holds(IMAGE, MODEL))), List.<Copy>of(), 1, List.of("b")),
                Arguments.of("warmth beats spread: stacks on the warm instance while it has room",
                        List.of(big("a", null), big("b", holds(IMAGE, MODEL))),
                        List.of(copy("c1", "ic", "b", CopyStatus.InService, T0)), 3, List.of("b", "b")),
                Arguments.of("an instance holding only the image beats one holding nothing",
                        List.of(big("a", holds("repo/other:9")), big("b", holds(IMAGE))), List.<Copy>of(), 1, List.of("b")),
                Arguments.of("a warm instance without room is passed over",
                        List.of(big("a", null), big("b", holds(IMAGE, MODEL))),
                        List.of(copy("o1", "other", "b", CopyStatus.InService, T0), copy("o2", "other", "b", CopyStatus.InService, T0),
                                copy("o3", "other", "b", CopyStatus.InService, T0), copy("o4", "other", "b", CopyStatus.InService, T0)),
                        1, List.of("a")),
                Arguments.of("no inventories: today's spread and id order",
                        List.of(big("a", null), big("b", null)), List.of(copy("c1", "ic", "a", CopyStatus.InService, T0)), 3,
                        List.of("b", "a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scaleOuts")
    void scaleOutPrefersWarmInstances(String label, List<Instance> instances, List<Copy> copies, int desired,
                                      List<String> expected) {
        int others = (int) copies.stream().filter(c -> c.componentName().equals("other")).count();
        List<Action> actions = plan("ml.g5.12xlarge", null, List.of(component("ic", desired), component("other", others)),
                instances, copies);
        assertThat(placed(actions)).extracting(Action.PlaceCopy::instanceId).isEqualTo(expected);
        assertThat(placed(actions)).allSatisfy(p -> assertThat(p.explanation().instanceId()).isEqualTo(p.instanceId()));
    }

    @Test
    void thePlacedCopyCarriesWhyItWentThere() {
        List<Action> actions = plan("ml.g5.12xlarge", null, List.of(component("ic", 1)),
                List.of(big("a", null), big("b", holds(IMAGE, MODEL)), big("c", holds(IMAGE))), List.of());
        PlacementExplanation why = placed(actions).getFirst().explanation();
        assertThat(why.instanceId()).isEqualTo("b");
        assertThat(why.reason()).isEqualTo("holds 337 MB of the 337 MB this copy needs, the most of 3 instances that fit");
        assertThat(why.candidates()).extracting(PlacementExplanation.Candidate::instanceId, PlacementExplanation.Candidate::warmBytes,
                        PlacementExplanation.Candidate::rank)
                .containsExactly(tuple("b", IMAGE_BYTES + MODEL_BYTES, 1),
                        tuple("c", IMAGE_BYTES, 2), tuple("a", 0L, 3));
    }

    @Test
    void aCopyThatFoundNoRoomLaunchesAnInstanceAndSaysSoWhenItLandsThere() {
        ManagedInstanceScaling managed = new ManagedInstanceScaling(ManagedInstanceScaling.Status.ENABLED, 1, 3);
        Instance full = instance("a", "ml.g5.xlarge", 0, holds(IMAGE, MODEL));
        List<Copy> copies = List.of(copy("c1", "ic", "a", CopyStatus.InService, T0));

        // The one instance is full: nothing is placed, an instance is launched, and the launch says why.
        List<Action> first = plan("ml.g5.xlarge", managed, List.of(component("ic", 2)), List.of(full), copies);
        assertThat(placed(first)).isEmpty();
        assertThat(first).filteredOn(a -> a instanceof Action.LaunchInstance).singleElement()
                .satisfies(a -> assertThat(((Action.LaunchInstance) a).reason())
                        .endsWith("(ic: the only instance has no room for it (it needs 1 accelerators, 1.0 CPU cores, 1024 MiB))"));

        // It registered (in service, never idle, no copies): the copy lands there, and the reason says why.
        Instance fresh = new Instance("b", "ep", "AllTraffic", "ml.g5.xlarge", InstanceStatus.InService, "http://b", null,
                NOW.minusSeconds(20), NOW.minusSeconds(1), NOW, null, null, 0, null);
        List<Action> second = plan("ml.g5.xlarge", managed, List.of(component("ic", 2)), List.of(full, fresh), copies);
        PlacementExplanation why = placed(second).getFirst().explanation();
        assertThat(why.instanceId()).isEqualTo("b");
        assertThat(why.reason()).isEqualTo("on a new instance launched for it: the instance running before had no room");
        assertThat(why.candidates()).filteredOn(c -> c.instanceId().equals("a")).singleElement()
                .satisfies(c -> assertThat(c.whyNot()).isEqualTo("accelerators: 1 needed, 0 free"));

        // An instance that was seen idle before is not new: the ordinary reason stands.
        Instance idle = new Instance("b", "ep", "AllTraffic", "ml.g5.xlarge", InstanceStatus.InService, "http://b", null,
                T0, T0, NOW, null, T0.plusSeconds(5), 0, null);
        assertThat(placed(plan("ml.g5.xlarge", managed, List.of(component("ic", 2)), List.of(full, idle), copies))
                .getFirst().explanation().reason()).isEqualTo("the only one of 2 instances with room for it");
    }

    static Stream<Arguments> scaleIns() {
        Instant older = T0;
        Instant newer = T0.plusSeconds(10);
        return Stream.of(
                // Today's order alone would stop the newest copy (on a).
                Arguments.of("the copy on the coldest instance goes first",
                        List.of(instance("a", "ml.g5.12xlarge", 0, holds(IMAGE, MODEL)), instance("b", "ml.g5.12xlarge", 0, null)),
                        List.of(copy("ca", "ic", "a", CopyStatus.InService, newer), copy("cb", "ic", "b", CopyStatus.InService, older)),
                        1, List.of("cb")),
                Arguments.of("holding only the image is colder than holding both",
                        List.of(instance("a", "ml.g5.12xlarge", 0, holds(IMAGE, MODEL)), instance("b", "ml.g5.12xlarge", 0, holds(IMAGE))),
                        List.of(copy("ca", "ic", "a", CopyStatus.InService, newer), copy("cb", "ic", "b", CopyStatus.InService, older)),
                        1, List.of("cb")),
                Arguments.of("equally warm: fewer cached bytes in all goes first",
                        List.of(instance("a", "ml.g5.12xlarge", 9_000_000_000L, holds(IMAGE, MODEL)),
                                instance("b", "ml.g5.12xlarge", 1_000_000_000L, holds(IMAGE, MODEL))),
                        List.of(copy("ca", "ic", "a", CopyStatus.InService, newer), copy("cb", "ic", "b", CopyStatus.InService, older)),
                        1, List.of("cb")),
                Arguments.of("equally warm and cached: today's order, the copy not yet serving first",
                        List.of(instance("a", "ml.g5.12xlarge", 0, holds(IMAGE, MODEL)), instance("b", "ml.g5.12xlarge", 0, holds(IMAGE, MODEL))),
                        List.of(copy("ca", "ic", "a", CopyStatus.InService, newer), copy("cb", "ic", "b", CopyStatus.Starting, older)),
                        1, List.of("cb")),
                Arguments.of("equally warm and cached, all serving: the newest goes",
                        List.of(instance("a", "ml.g5.12xlarge", 0, null), instance("b", "ml.g5.12xlarge", 0, null)),
                        List.of(copy("ca", "ic", "a", CopyStatus.InService, newer), copy("cb", "ic", "b", CopyStatus.InService, older)),
                        1, List.of("ca")),
                Arguments.of("the coldest instances empty first",
                        List.of(instance("a", "ml.g5.12xlarge", 0, holds(IMAGE, MODEL)), instance("b", "ml.g5.12xlarge", 0, holds(IMAGE)),
                                instance("c", "ml.g5.12xlarge", 0, null)),
                        List.of(copy("ca", "ic", "a", CopyStatus.InService, older), copy("cb", "ic", "b", CopyStatus.InService, older),
                                copy("cc1", "ic", "c", CopyStatus.InService, older), copy("cc2", "ic", "c", CopyStatus.InService, newer)),
                        1, List.of("cc2", "cc1", "cb")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scaleIns")
    void scaleInTakesTheColdestFirst(String label, List<Instance> instances, List<Copy> copies, int desired,
                                     List<String> expected) {
        List<Action> actions = plan("ml.g5.12xlarge", null, List.of(component("ic", desired)), instances, copies);
        assertThat(stopped(actions)).containsExactlyInAnyOrderElementsOf(expected);
    }
}
