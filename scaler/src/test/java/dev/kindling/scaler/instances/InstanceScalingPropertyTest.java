package dev.kindling.scaler.instances;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Invariants of managed instance scaling over random fleets, including fleets already outside their bounds. */
class InstanceScalingPropertyTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Provide
    Arbitrary<VariantFleet> fleets() {
        Arbitrary<FleetInstance> instance = Combinators.combine(
                        Arbitraries.integers().between(0, 3).map(i -> i != 0),
                        Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 4))),
                        Arbitraries.integers().between(0, 900),
                        Arbitraries.longs().between(0, 5).map(b -> b * 1_000),
                        Arbitraries.integers().between(0, 3).map(i -> i == 0))
                .as((inService, copies, idle, bytes, staleClock) -> new FleetInstance("i", inService, copies,
                        copies == 0 || staleClock ? NOW.minusSeconds(idle) : null, bytes, NOW.minusSeconds(1000)));
        return Combinators.combine(
                        Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 8),
                        Arbitraries.integers().between(0, 600), Arbitraries.frequencyOf(
                                Tuple.of(1, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 20))),
                        Arbitraries.integers().between(1, 4), instance.list().ofMaxSize(14))
                .as((min, span, cooldown, unplaced, per, instances) -> {
                    List<FleetInstance> named = new ArrayList<>();
                    for (int i = 0; i < instances.size(); i++) {
                        FleetInstance f = instances.get(i);
                        named.add(new FleetInstance("i-" + i, f.inService(), f.copies(), f.idleSince(), f.cachedBytes(), f.launchedAt()));
                    }
                    return new VariantFleet("v", min, min + span, Duration.ofSeconds(cooldown), unplaced, per, named);
                });
    }

    @Property(tries = 5000, seed = "77")
    void staysWithinTheBoundsAndReleasesOnlyColdIdleInstances(@ForAll("fleets") VariantFleet fleet) {
        InstanceDecision d = InstanceScaling.decide(fleet, NOW);
        int live = fleet.instances().size();
        String context = d.reason() + " for " + fleet;
        assertThat(d.launch()).as(context).isNotNegative();
        assertThat(live + d.launch()).as(context).isLessThanOrEqualTo(Math.max(live, fleet.maxInstances()));
        if (live < fleet.minInstances()) {
            assertThat(live + d.launch()).as(context).isGreaterThanOrEqualTo(Math.min(fleet.minInstances(), fleet.maxInstances()));
        }
        if (!d.release().isEmpty()) {
            assertThat(d.launch()).as(context).isZero();
            assertThat(fleet.unplacedCopies()).as(context).isZero();
            assertThat(live - d.release().size()).as(context).isGreaterThanOrEqualTo(fleet.minInstances());
        }
        assertThat(new HashSet<>(d.release())).as(context).hasSameSizeAs(d.release());
        Map<String, FleetInstance> byId = fleet.instances().stream().collect(Collectors.toMap(FleetInstance::id, Function.identity()));
        List<FleetInstance> eligible = fleet.instances().stream()
                .filter(i -> i.inService() && i.copies() == 0 && !i.idleSince().plus(fleet.scaleInCooldown()).isAfter(NOW))
                .toList();
        Comparator<FleetInstance> colder = Comparator.comparingLong(FleetInstance::cachedBytes)
                .thenComparing(FleetInstance::idleSince).thenComparing(FleetInstance::id);
        for (String id : d.release()) {
            FleetInstance released = byId.get(id);
            assertThat(released).as(context).isNotNull();
            assertThat(released.inService()).as("never a pending instance: " + context).isTrue();
            assertThat(released.copies()).as("never one holding copies: " + context).isZero();
            assertThat(released.idleSince().plus(fleet.scaleInCooldown())).as(context).isBeforeOrEqualTo(NOW);
            for (FleetInstance kept : eligible) {
                if (!d.release().contains(kept.id())) {
                    assertThat(colder.compare(released, kept)).as("coldest first: " + context).isNegative();
                }
            }
        }
        // Nothing releasable is kept without a reason: with nothing unplaced, release down to min.
        if (fleet.unplacedCopies() == 0 && d.launch() == 0) {
            assertThat(d.release()).as(context).hasSize(Math.min(eligible.size(), Math.max(0, live - fleet.minInstances())));
        }
    }
}
