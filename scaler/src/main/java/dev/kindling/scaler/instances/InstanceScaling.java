package dev.kindling.scaler.instances;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Managed instance scaling of one variant (SageMaker's managed instance scaling): launch enough instances for the
 * copies that found no room, within the bounds, and release instances that have held no copy for the scale-in
 * cooldown, coldest cache first. A pure function; the reconcile planner supplies the fleet and applies the result.
 */
public final class InstanceScaling {

    /** Coldest first: the fewest cached bytes (cheapest to lose), then idle longest, then by id for a stable order. */
    private static final Comparator<FleetInstance> COLDEST_FIRST = Comparator
            .comparingLong(FleetInstance::cachedBytes)
            .thenComparing(FleetInstance::idleSince)
            .thenComparing(FleetInstance::id);

    private InstanceScaling() {}

    public static InstanceDecision decide(VariantFleet fleet, Instant now) {
        Objects.requireNonNull(fleet, "fleet");
        Objects.requireNonNull(now, "now");
        List<FleetInstance> instances = fleet.instances();
        int live = instances.size();
        int pending = (int) instances.stream().filter(i -> !i.inService()).count();
        int room = Math.max(0, fleet.maxInstances() - live);
        String counts = live + " live (" + pending + " pending), min " + fleet.minInstances() + ", max " + fleet.maxInstances();

        int forCopies = 0;
        String need = "";
        if (fleet.unplacedCopies() > 0) {
            int needed = Math.ceilDiv(fleet.unplacedCopies(), fleet.copiesPerEmptyInstance());
            // Pending instances will take copies once in service; launching for them again would double the order.
            forCopies = Math.max(0, needed - pending);
            need = fleet.unplacedCopies() + " unplaced cop" + (fleet.unplacedCopies() == 1 ? "y" : "ies") + ", "
                    + fleet.copiesPerEmptyInstance() + " fit on an empty instance: " + needed + " needed, "
                    + pending + " pending";
        }
        int forMin = Math.max(0, fleet.minInstances() - live);
        int wanted = Math.max(forCopies, forMin);
        int launch = Math.min(wanted, room);
        if (launch > 0 || wanted > 0) {
            String why = (need.isEmpty() ? "below minInstances" : need + (forMin > forCopies ? "; below minInstances" : ""))
                    + ": launch " + launch + (launch < wanted ? " of " + wanted + " wanted, held to maxInstances" : "")
                    + " (" + counts + ")";
            return new InstanceDecision(launch, List.of(), why);
        }
        if (fleet.unplacedCopies() > 0) {
            return new InstanceDecision(0, List.of(), need + ": the pending instances will take them (" + counts + ")");
        }

        List<FleetInstance> idle = instances.stream()
                .filter(i -> i.inService() && i.copies() == 0 && i.idleSince() != null
                        && !i.idleSince().plus(fleet.scaleInCooldown()).isAfter(now))
                .sorted(COLDEST_FIRST)
                .toList();
        int releasable = Math.max(0, live - fleet.minInstances());
        List<String> release = new ArrayList<>();
        for (FleetInstance i : idle) {
            if (release.size() == releasable) {
                break;
            }
            release.add(i.id());
        }
        if (release.isEmpty()) {
            String why = idle.isEmpty()
                    ? "every copy placed, no instance idle for the scale-in cooldown of " + fleet.scaleInCooldown().getSeconds() + " s"
                    : idle.size() + " idle but at minInstances";
            return new InstanceDecision(0, List.of(), why + " (" + counts + ")");
        }
        return new InstanceDecision(0, release, "every copy placed; release " + release.size() + " idle for at least "
                + fleet.scaleInCooldown().getSeconds() + " s, coldest cache first: " + String.join(", ", release)
                + " (" + counts + ")");
    }
}
