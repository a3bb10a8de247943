package dev.kindling.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ManagedInstanceScaling;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingStrategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner's instance decisions as named rows: time and state in, actions out, no database. */
class ReconcilePlannerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ReconcileSettings SETTINGS = new ReconcileSettings(Duration.ofSeconds(5),
            Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(2));
    private static final ReconcilePlanner PLANNER = new ReconcilePlanner(new InstanceTypeCatalog(), SETTINGS);

    private static Instance inService(String id, Instant lastHeartbeat) {
        return new Instance(id, "ep", "AllTraffic", "ml.g5.xlarge", InstanceStatus.InService, "http://a", null, T0, T0,
                lastHeartbeat, null);
    }

    private static Instance pending(String id, Instant launched) {
        return new Instance(id, "ep", "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null, launched, null,
                null, null);
    }

    private static ProductionVariant variant(int initial, ManagedInstanceScaling managed) {
        return new ProductionVariant("AllTraffic", "ml.g5.xlarge", initial, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, managed);
    }

    static Stream<Arguments> rows() {
        ProductionVariant two = variant(2, null);
        return Stream.of(
                Arguments.of("new endpoint launches its instances", EndpointStatus.Creating, two, List.of(), T0,
                        Map.of("LaunchInstance", 2L)),
                Arguments.of("pending instances are not launched twice", EndpointStatus.Creating, two,
                        List.of(pending("a", T0), pending("b", T0)), T0.plusSeconds(10), Map.of()),
                Arguments.of("all registered: endpoint InService", EndpointStatus.Creating, two,
                        List.of(inService("a", T0), inService("b", T0)), T0.plusSeconds(1),
                        Map.of("SetInstanceIdle", 2L, "SetEndpointStatus", 1L)),
                Arguments.of("heartbeat exactly at the timeout is alive", EndpointStatus.InService, two,
                        List.of(inService("a", T0), inService("b", T0.plusSeconds(5))), T0.plusSeconds(5),
                        Map.of("SetInstanceIdle", 2L)),
                Arguments.of("heartbeat past the timeout is replaced", EndpointStatus.InService, two,
                        List.of(inService("a", T0), inService("b", T0.plusSeconds(6))), T0.plusSeconds(5).plusMillis(1),
                        Map.of("TerminateInstance", 1L, "LaunchInstance", 1L, "SetInstanceIdle", 1L)),
                Arguments.of("launch past the launch timeout is replaced", EndpointStatus.InService, two,
                        List.of(inService("a", T0.plusSeconds(61)), pending("b", T0)), T0.plusSeconds(61),
                        Map.of("TerminateInstance", 1L, "LaunchInstance", 1L, "SetInstanceIdle", 1L)),
                Arguments.of("surplus instance is released", EndpointStatus.InService, variant(1, null),
                        List.of(inService("a", T0), inService("b", T0)), T0,
                        Map.of("TerminateInstance", 1L, "SetInstanceIdle", 1L)),
                Arguments.of("managed scaling clamps the count to its minimum", EndpointStatus.Creating,
                        variant(1, new ManagedInstanceScaling(ManagedInstanceScaling.Status.ENABLED, 3, 5)), List.of(), T0,
                        Map.of("LaunchInstance", 3L)),
                Arguments.of("disabled managed scaling keeps the initial count", EndpointStatus.Creating,
                        variant(1, new ManagedInstanceScaling(ManagedInstanceScaling.Status.DISABLED, 3, 5)), List.of(), T0,
                        Map.of("LaunchInstance", 1L)),
                Arguments.of("failed endpoint launches nothing", EndpointStatus.Failed, two, List.of(), T0, Map.of()),
                Arguments.of("deleting endpoint terminates every instance", EndpointStatus.Deleting, two,
                        List.of(inService("a", T0), pending("b", T0)), T0, Map.of("TerminateInstance", 2L)),
                Arguments.of("deleted endpoint with no instances is removed", EndpointStatus.Deleting, two, List.of(), T0,
                        Map.of("DeleteEndpoint", 1L)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void plans(String label, EndpointStatus status, ProductionVariant variant, List<Instance> instances, Instant now,
               Map<String, Long> expected) {
        Endpoint e = new Endpoint("ep", "cfg", status, null, T0, T0, T0, 1);
        FleetSnapshot snapshot = new FleetSnapshot(List.of(e),
                Map.of("cfg", new EndpointConfig("cfg", List.of(variant), T0)), List.of(), instances, List.of());
        assertThat(ReconcilePlanner.summary(PLANNER.plan(snapshot, now))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void planningTwiceGivesTheSamePlan(String label, EndpointStatus status, ProductionVariant variant,
                                       List<Instance> instances, Instant now, Map<String, Long> expected) {
        Endpoint e = new Endpoint("ep", "cfg", status, null, T0, T0, T0, 1);
        FleetSnapshot snapshot = new FleetSnapshot(List.of(e),
                Map.of("cfg", new EndpointConfig("cfg", List.of(variant), T0)), List.of(), instances, List.of());
        assertThat(PLANNER.plan(snapshot, now)).isEqualTo(PLANNER.plan(snapshot, now));
    }
}
