package dev.kindling.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.fleet.InstanceTypeCatalog;
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
 * Managed instance scaling as the planner applies it: copies that find no room launch instances (within the
 * variant's maximum, counting launches under way), idle instances are released after the endpoint's scale-in
 * cooldown (down to the minimum, the coldest first), and the planner records when instances become idle.
 */
class ManagedInstanceScalingPlanTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ReconcilePlanner PLANNER = new ReconcilePlanner(new InstanceTypeCatalog(),
            new ReconcileSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30),
                    Duration.ofSeconds(2), Duration.ofSeconds(300)));
    /** ml.g5.xlarge has one accelerator: one copy per instance. */
    private static final ComponentSpec SPEC = new ComponentSpec(new Container("repo/m:1", null, Map.of()),
            new ComputeRequirements(1, 1, 1024, null), new StartupParameters(600, 600));

    private static Instance instance(String id, InstanceStatus status, Instant idleSince, long cachedBytes) {
        return new Instance(id, "ep", "AllTraffic", "ml.g5.xlarge", status, "http://a", null, T0, T0, T0.plusSeconds(1000),
                null, idleSince, cachedBytes);
    }

    /** Launched a few seconds before {@code now}: within the launch timeout. */
    private static Instance pending(String id, Instant now) {
        return new Instance(id, "ep", "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null,
                now.minusSeconds(5), null, null, null);
    }

    private static Copy copy(String id, String instance) {
        return new Copy(id, "ic", instance, 1, 1, 1000, 1024, CopyStatus.InService, "http://m", null, T0, T0, null);
    }

    private static List<Action> plan(int minInstances, int maxInstances, int desiredCopies, List<Instance> instances,
                                     List<Copy> copies, Instant now, Map<String, Duration> cooldowns) {
        Endpoint e = new Endpoint("ep", "cfg", EndpointStatus.InService, null, T0, T0, T0, 1);
        ProductionVariant v = new ProductionVariant("AllTraffic", "ml.g5.xlarge", 1,
                RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
                new ManagedInstanceScaling(ManagedInstanceScaling.Status.ENABLED, minInstances, maxInstances));
        InferenceComponent c = new InferenceComponent("ic", "ep", "AllTraffic", SPEC, 1, desiredCopies,
                ComponentStatus.InService, null, T0, T0, T0, 1);
        return PLANNER.plan(new FleetSnapshot(List.of(e), Map.of("cfg", new EndpointConfig("cfg", List.of(v), T0)),
                List.of(c), instances, copies, cooldowns), now);
    }

    static Stream<Arguments> rows() {
        Instant later = T0.plusSeconds(1000);
        Instance busyA = instance("a", InstanceStatus.InService, null, 0);
        return Stream.of(
                Arguments.of("copies with no room launch one instance each", 1, 4, 3, List.of(busyA),
                        List.of(copy("c1", "a")), later, Map.of("LaunchInstance", 2L)),
                Arguments.of("launches under way are not repeated", 1, 4, 3,
                        List.of(busyA, pending("b", later), pending("c", later)),
                        List.of(copy("c1", "a")), later, Map.of()),
                Arguments.of("the maximum caps launches", 1, 4, 10, List.of(busyA), List.of(copy("c1", "a")), later,
                        Map.of("LaunchInstance", 3L)),
                Arguments.of("a new idle instance is marked idle, not released", 1, 4, 1,
                        List.of(busyA, instance("b", InstanceStatus.InService, null, 0)), List.of(copy("c1", "a")), later,
                        Map.of("SetInstanceIdle", 1L)),
                Arguments.of("an idle instance inside the cooldown stays", 1, 4, 1,
                        List.of(busyA, instance("b", InstanceStatus.InService, later.minusSeconds(299), 0)),
                        List.of(copy("c1", "a")), later, Map.of()),
                Arguments.of("idle instances past the cooldown are released", 1, 4, 1,
                        List.of(busyA, instance("b", InstanceStatus.InService, later.minusSeconds(300), 0),
                                instance("c", InstanceStatus.InService, later.minusSeconds(400), 0)),
                        List.of(copy("c1", "a")), later, Map.of("TerminateInstance", 2L)),
                Arguments.of("never below the minimum", 3, 4, 1,
                        List.of(busyA, instance("b", InstanceStatus.InService, later.minusSeconds(300), 0),
                                instance("c", InstanceStatus.InService, later.minusSeconds(400), 0)),
                        List.of(copy("c1", "a")), later, Map.of()),
                Arguments.of("a copy placed on an idle instance makes it busy again", 1, 4, 2,
                        List.of(busyA, instance("b", InstanceStatus.InService, later.minusSeconds(400), 0)),
                        List.of(copy("c1", "a")), later, Map.of("PlaceCopy", 1L, "SetInstanceIdle", 1L)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void plans(String label, int min, int max, int desiredCopies, List<Instance> instances, List<Copy> copies,
               Instant now, Map<String, Long> expected) {
        assertThat(ReconcilePlanner.summary(plan(min, max, desiredCopies, instances, copies, now, Map.of())))
                .isEqualTo(expected);
    }

    @Test
    void theColdestIdleInstanceGoesFirstAndTheEndpointsCooldownApplies() {
        Instant later = T0.plusSeconds(1000);
        List<Instance> instances = new ArrayList<>(List.of(instance("a", InstanceStatus.InService, null, 0),
                instance("warm", InstanceStatus.InService, later.minusSeconds(500), 9_000_000_000L),
                instance("cold", InstanceStatus.InService, later.minusSeconds(400), 1_000)));
        List<Action> actions = plan(2, 4, 1, instances, List.of(copy("c1", "a")), later, Map.of());
        assertThat(actions).filteredOn(a -> a instanceof Action.TerminateInstance)
                .extracting(a -> ((Action.TerminateInstance) a).instanceId()).containsExactly("cold");

        // The endpoint's policies ask for a 10 minute scale-in cooldown: nobody has been idle that long.
        assertThat(plan(2, 4, 1, instances, List.of(copy("c1", "a")), later, Map.of("ep", Duration.ofMinutes(10))))
                .noneMatch(a -> a instanceof Action.TerminateInstance);
    }
}
