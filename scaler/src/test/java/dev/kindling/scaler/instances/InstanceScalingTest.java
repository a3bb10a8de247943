package dev.kindling.scaler.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Managed instance scaling as named rows: a fleet, and what to launch and release. */
class InstanceScalingTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final Duration COOLDOWN = Duration.ofSeconds(300);

    static FleetInstance busy(String id, int copies) {
        return new FleetInstance(id, true, copies, null, 1_000, NOW.minusSeconds(3600));
    }

    static FleetInstance idle(String id, int idleSeconds, long cachedBytes) {
        return new FleetInstance(id, true, 0, NOW.minusSeconds(idleSeconds), cachedBytes, NOW.minusSeconds(3600));
    }

    static FleetInstance pending(String id) {
        return new FleetInstance(id, false, 0, null, 0, NOW.minusSeconds(20));
    }

    static VariantFleet fleet(int min, int max, int unplaced, int perInstance, FleetInstance... instances) {
        return new VariantFleet("v", min, max, COOLDOWN, unplaced, perInstance, List.of(instances));
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("unplaced copies launch enough empty instances", fleet(0, 10, 5, 2), 3, List.of(),
                        "5 unplaced copies, 2 fit on an empty instance: 3 needed, 0 pending: launch 3 (0 live (0 pending), min 0, max 10)"),
                Arguments.of("one unplaced copy launches one instance", fleet(0, 10, 1, 4, busy("a", 4)), 1, List.of(),
                        "1 unplaced copy, 4 fit on an empty instance: 1 needed, 0 pending: launch 1"),
                Arguments.of("pending instances count against the need", fleet(0, 10, 5, 2, pending("p1"), pending("p2")), 1, List.of(),
                        "3 needed, 2 pending: launch 1 (2 live (2 pending), min 0, max 10)"),
                Arguments.of("enough pending: launch nothing", fleet(0, 10, 3, 2, pending("p1"), pending("p2")), 0, List.of(),
                        "3 unplaced copies, 2 fit on an empty instance: 2 needed, 2 pending: the pending instances will take them"),
                Arguments.of("below minInstances launch up to it", fleet(3, 10, 0, 2, busy("a", 1)), 2, List.of(),
                        "below minInstances: launch 2 (1 live (0 pending), min 3, max 10)"),
                Arguments.of("pending instances count toward minInstances", fleet(3, 10, 0, 2, busy("a", 1), pending("p")), 1, List.of(),
                        "below minInstances: launch 1"),
                Arguments.of("minInstances above what the copies need takes the larger", fleet(3, 10, 2, 2), 3, List.of(),
                        "1 needed, 0 pending; below minInstances: launch 3"),
                Arguments.of("what the copies need above minInstances takes the larger", fleet(1, 10, 6, 2), 3, List.of(),
                        "3 needed, 0 pending: launch 3"),
                Arguments.of("a launch is held to maxInstances", fleet(0, 5, 10, 1, busy("a", 1), busy("b", 1), busy("c", 1)), 2, List.of(),
                        "launch 2 of 10 wanted, held to maxInstances (3 live (0 pending), min 0, max 5)"),
                Arguments.of("at maxInstances nothing launches", fleet(0, 3, 3, 1, busy("a", 1), busy("b", 1), pending("p")), 0, List.of(),
                        "launch 0 of 2 wanted, held to maxInstances"),
                Arguments.of("above maxInstances nothing launches", fleet(0, 1, 3, 1, busy("a", 1), busy("b", 1)), 0, List.of(),
                        "launch 0 of 3 wanted, held to maxInstances"),
                Arguments.of("an instance idle for the cooldown is released", fleet(1, 10, 0, 1, busy("a", 2), idle("b", 300, 10)), 0,
                        List.of("b"), "every copy placed; release 1 idle for at least 300 s, coldest cache first: b (2 live (0 pending), min 1, max 10)"),
                Arguments.of("one second short of the cooldown it stays", fleet(1, 10, 0, 1, busy("a", 2), idle("b", 299, 10)), 0,
                        List.of(), "every copy placed, no instance idle for the scale-in cooldown of 300 s"),
                Arguments.of("never while a copy is unplaced", fleet(0, 10, 1, 1, pending("p"), idle("b", 1000, 10)), 0,
                        List.of(), "the pending instances will take them"),
                Arguments.of("never below minInstances", fleet(2, 10, 0, 1, idle("a", 1000, 10), idle("b", 1000, 20), idle("c", 1000, 30)), 0,
                        List.of("a"), "release 1 idle"),
                Arguments.of("at minInstances idle instances stay", fleet(2, 10, 0, 1, idle("a", 1000, 10), idle("b", 1000, 20)), 0,
                        List.of(), "2 idle but at minInstances"),
                Arguments.of("coldest first: the fewest cached bytes", fleet(1, 10, 0, 1, idle("warm", 1000, 500), idle("cold", 400, 100),
                        idle("mild", 2000, 300)), 0, List.of("cold", "mild"), "coldest cache first: cold, mild"),
                Arguments.of("as cold: the one idle longest first", fleet(1, 10, 0, 1, idle("recent", 400, 100), idle("long", 5000, 100),
                        idle("mid", 1000, 100)), 0, List.of("long", "mid"), "coldest cache first: long, mid"),
                Arguments.of("as cold and idle as long: by id", fleet(1, 10, 0, 1, idle("c", 400, 100), idle("a", 400, 100),
                        idle("b", 400, 100)), 0, List.of("a", "b"), "coldest cache first: a, b"),
                Arguments.of("a pending instance is never released", fleet(0, 10, 0, 1, pending("p"),
                        new FleetInstance("p2", false, 0, NOW.minusSeconds(1000), 0, NOW.minusSeconds(1000))), 0, List.of(),
                        "no instance idle"),
                Arguments.of("an instance holding copies is never released, whatever its idle clock says", fleet(0, 10, 0, 1,
                        new FleetInstance("a", true, 1, NOW.minusSeconds(1000), 0, NOW.minusSeconds(5000))), 0, List.of(),
                        "no instance idle"),
                Arguments.of("a cooldown of zero releases at once", new VariantFleet("v", 0, 10, Duration.ZERO, 0, 1,
                        List.of(idle("a", 0, 0))), 0, List.of("a"), "release 1 idle for at least 0 s"),
                Arguments.of("an empty fleet with nothing to do", fleet(0, 10, 0, 1), 0, List.of(),
                        "every copy placed, no instance idle"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String label, VariantFleet fleet, int launch, List<String> release, String reason) {
        InstanceDecision d = InstanceScaling.decide(fleet, NOW);
        assertThat(d.reason()).contains(reason);
        assertThat(d.launch()).as(d.reason()).isEqualTo(launch);
        assertThat(d.release()).as(d.reason()).containsExactlyElementsOf(release);
    }

    static Stream<Arguments> badFleets() {
        return Stream.of(
                Arguments.of("min above max", 3, 2, 0, 1, COOLDOWN, "0 <= min <= max"),
                Arguments.of("negative min", -1, 2, 0, 1, COOLDOWN, "0 <= min <= max"),
                Arguments.of("no copy fits an empty instance", 0, 2, 1, 0, COOLDOWN, "copiesPerEmptyInstance 1 or more"),
                Arguments.of("negative unplaced copies", 0, 2, -1, 1, COOLDOWN, "unplacedCopies must be 0 or more"),
                Arguments.of("negative cooldown", 0, 2, 0, 1, Duration.ofSeconds(-1), "scaleInCooldown must not be negative"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFleets")
    void rejects(String label, int min, int max, int unplaced, int perInstance, Duration cooldown, String message) {
        assertThatThrownBy(() -> new VariantFleet("v", min, max, cooldown, unplaced, perInstance, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
