package dev.kindling.api.reconcile;

import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.InventoryJson;
import dev.kindling.api.reconcile.Action.DeleteComponent;
import dev.kindling.api.reconcile.Action.DeleteCopy;
import dev.kindling.api.reconcile.Action.DeleteEndpoint;
import dev.kindling.api.reconcile.Action.LaunchInstance;
import dev.kindling.api.reconcile.Action.PlaceCopy;
import dev.kindling.api.reconcile.Action.SetComponentStatus;
import dev.kindling.api.reconcile.Action.SetEndpointStatus;
import dev.kindling.api.reconcile.Action.StopCopy;
import dev.kindling.api.reconcile.Action.TerminateInstance;
import dev.kindling.cache.placement.CopyArtifacts;
import dev.kindling.cache.placement.CopyPlacement;
import dev.kindling.cache.placement.InstanceSlot;
import dev.kindling.cache.placement.PlacementExplanation;
import dev.kindling.cache.placement.Resources;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.ComputeRequirements;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.scaler.instances.FleetInstance;
import dev.kindling.scaler.instances.InstanceDecision;
import dev.kindling.scaler.instances.InstanceScaling;
import dev.kindling.scaler.instances.VariantFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what the fleet must do to match what users asked for: keeps each variant's instance count, replaces
 * instances that stop heartbeating or never register, places each desired copy where it fits (on the instance
 * already holding most of its image and model first, with the reason recorded), stops surplus copies (on the
 * coldest instances first) and outdated ones, and moves endpoint and component statuses. Pure: the snapshot and
 * {@code now} in, actions out.
 */
public final class ReconcilePlanner {

    private final InstanceTypeCatalog catalog;
    private final ReconcileSettings settings;

    public ReconcilePlanner(InstanceTypeCatalog catalog, ReconcileSettings settings) {
        this.catalog = catalog;
        this.settings = settings;
    }

    public List<Action> plan(FleetSnapshot snapshot, Instant now) {
        Map<String, List<InferenceComponent>> components = snapshot.components().stream()
                .collect(Collectors.groupingBy(InferenceComponent::endpointName));
        Map<String, List<Instance>> instances = snapshot.instances().stream()
                .collect(Collectors.groupingBy(Instance::endpointName));
        Map<String, List<Copy>> copies = snapshot.copies().stream().collect(Collectors.groupingBy(Copy::componentName));
        List<Action> actions = new ArrayList<>();
        Set<String> endpointNames = new HashSet<>();
        for (Endpoint e : snapshot.endpoints()) {
            endpointNames.add(e.name());
            new EndpointPlan(e, snapshot.configs().get(e.configName()), components.getOrDefault(e.name(), List.of()),
                    instances.getOrDefault(e.name(), List.of()), copies,
                    snapshot.scaleInCooldowns().getOrDefault(e.name(), settings.defaultInstanceScaleInCooldown()), now,
                    actions).plan();
        }
        // Instances whose endpoint is gone (a crash between deleting the endpoint and terminating them).
        for (Instance i : snapshot.instances()) {
            if (!endpointNames.contains(i.endpointName())) {
                actions.add(new TerminateInstance(i.id(), i.endpointName(), "its endpoint no longer exists"));
            }
        }
        return actions;
    }

    /** How many copies needing {@code need} fit on an empty instance of {@code capacity} (0: none ever fits). */
    static int fitOnEmpty(Resources capacity, Resources need) {
        int n = 0;
        Resources used = Resources.NONE;
        while (n < 1000 && capacity.covers(used.plus(need))) {
            used = used.plus(need);
            n++;
        }
        return n;
    }

    /** What a copy of a component needs on disk: its image, by the reference the agent is given, and its model. */
    static CopyArtifacts artifacts(InferenceComponent c) {
        return new CopyArtifacts(c.specification().container().image(), c.specification().container().artifactUrl());
    }

    /** Resources one copy of a component holds on its instance: the minimum memory is what is reserved. */
    public static Resources copyResources(ComputeRequirements c) {
        return Resources.of(c.numberOfAcceleratorDevicesRequired(), c.numberOfCpuCoresRequired(), c.minMemoryRequiredInMb());
    }

    private final class EndpointPlan {
        private final Endpoint endpoint;
        private final EndpointConfig config;
        private final List<InferenceComponent> components;
        private final List<Instance> instances;
        private final Map<String, List<Copy>> copiesByComponent;
        private final Instant now;
        private final List<Action> out;
        private final Set<String> terminating = new HashSet<>();
        /** Resources held on each usable instance, updated as this pass places copies. */
        private final Map<String, Resources> allocated = new HashMap<>();
        private final Map<String, Map<String, Integer>> placedByInstance = new HashMap<>();
        /** What each instance holds (image reference or artifact URL to bytes), from its last heartbeat. */
        private final Map<String, Map<String, Long>> heldByInstance = new HashMap<>();
        /** Per variant, copies this pass could not place, and how many of each fit on one empty instance. */
        private final Map<String, List<int[]>> unplacedByVariant = new HashMap<>();
        /** Per variant, why each component's copies found no room this pass, for the reason of a launch. */
        private final Map<String, List<String>> noRoomByVariant = new HashMap<>();
        /** Per variant, instances this pass launches before managed scaling looks (they count as pending). */
        private final Map<String, Integer> launching = new HashMap<>();
        private final Duration instanceScaleInCooldown;

        EndpointPlan(Endpoint endpoint, EndpointConfig config, List<InferenceComponent> components,
                     List<Instance> instances, Map<String, List<Copy>> copiesByComponent,
                     Duration instanceScaleInCooldown, Instant now, List<Action> out) {
            this.instanceScaleInCooldown = instanceScaleInCooldown;
            this.endpoint = endpoint;
            this.config = config;
            this.components = components.stream().sorted(Comparator.comparing(InferenceComponent::name)).toList();
            this.instances = instances.stream().sorted(Comparator.comparing(Instance::id)).toList();
            for (Instance i : this.instances) {
                heldByInstance.put(i.id(), InventoryJson.heldBytes(i.inventoryJson()));
            }
            this.copiesByComponent = copiesByComponent;
            this.now = now;
            this.out = out;
        }

        void plan() {
            if (endpoint.status() == EndpointStatus.Deleting) {
                planDeletion();
                return;
            }
            findDeadInstances();
            boolean instancesReady = endpoint.status() == EndpointStatus.Failed || planInstances();
            countAllocations();
            for (InferenceComponent c : components) {
                planComponent(c);
            }
            if (endpoint.status() != EndpointStatus.Failed) {
                planManagedInstances();
            }
            markIdleInstances();
            boolean outgoingLeft = retireOutgoingInstances(instancesReady);
            if ((endpoint.status() == EndpointStatus.Creating || endpoint.status() == EndpointStatus.Updating)
                    && instancesReady && !outgoingLeft) {
                out.add(new SetEndpointStatus(endpoint, EndpointStatus.InService, null));
            }
        }

        private void planDeletion() {
            for (Instance i : instances) {
                out.add(new TerminateInstance(i.id(), endpoint.name(), "endpoint " + endpoint.name() + " is being deleted"));
            }
            if (instances.isEmpty()) {
                for (InferenceComponent c : components) {
                    out.add(new DeleteComponent(c.name(), endpoint.name()));
                }
                out.add(new DeleteEndpoint(endpoint.name()));
            }
        }

        private void findDeadInstances() {
            for (Instance i : instances) {
                String reason = switch (i.status()) {
                    case InService -> i.lastHeartbeatAt() != null
                            && i.lastHeartbeatAt().plus(settings.heartbeatTimeout()).isBefore(now)
                            ? "missed heartbeats: none since " + i.lastHeartbeatAt() + " (timeout "
                              + settings.heartbeatTimeout().toMillis() + " ms)" : null;
                    case Pending -> i.launchedAt().plus(settings.launchTimeout()).isBefore(now)
                            ? "its agent did not register within " + settings.launchTimeout().toSeconds() + " s of launch"
                            : null;
                    case Terminating -> "termination was interrupted";
                    case Terminated -> null;
                };
                if (reason != null) {
                    terminate(i, reason);
                }
            }
        }

        private void terminate(Instance i, String reason) {
            if (terminating.add(i.id())) {
                out.add(new TerminateInstance(i.id(), endpoint.name(), reason));
            }
        }

        private boolean alive(Instance i) {
            return i.status().live() && !terminating.contains(i.id());
        }

        private boolean usable(Instance i, ProductionVariant v) {
            return alive(i) && i.variantName().equals(v.variantName()) && i.instanceType().equals(v.instanceType());
        }

        /** Keeps each variant at its instance count; returns whether every variant has all its instances in service. */
        private boolean planInstances() {
            boolean ready = true;
            for (ProductionVariant v : config.productionVariants()) {
                List<Instance> good = instances.stream().filter(i -> usable(i, v)).toList();
                boolean managed = managed(v);
                // A managed variant starts at its initial count; afterwards it floats between its bounds, moved by
                // planManagedInstances, and only its minimum is kept here.
                boolean provisioning = endpoint.status() == EndpointStatus.Creating
                        || endpoint.status() == EndpointStatus.Updating;
                int desired = managed && !provisioning ? v.managedInstanceScaling().minInstanceCount()
                        : v.desiredInstanceCount();
                for (int n = good.size(); n < desired; n++) {
                    out.add(new LaunchInstance(endpoint, v.variantName(), v.instanceType(), managed && !provisioning
                            ? "managed instance scaling keeps at least " + desired + " instances"
                            : "variant " + v.variantName() + " wants " + desired + " instances"));
                    launching.merge(v.variantName(), 1, Integer::sum);
                }
                if (!managed && good.size() > desired) {
                    good.stream().sorted(Comparator.comparing((Instance i) -> i.status() == InstanceStatus.InService)
                                    .thenComparingInt(this::copiesOn)
                                    .thenComparing(Instance::launchedAt, Comparator.reverseOrder()))
                            .limit(good.size() - desired)
                            .forEach(i -> terminate(i, "surplus: variant " + v.variantName() + " wants " + desired + " instances"));
                }
                long inService = good.stream().filter(i -> i.status() == InstanceStatus.InService).count();
                ready &= inService >= desired;
            }
            return ready;
        }

        /** An instance of a former config: its variant is gone, or now runs another instance type. */
        private boolean outgoing(Instance i) {
            ProductionVariant v = config.variant(i.variantName()).orElse(null);
            return v == null || !v.instanceType().equals(i.instanceType());
        }

        /**
         * Terminates instances of a former config once the new instances serve and the outgoing instance holds no
         * copies (their replacements serve first, then they are stopped), so an update never drops a copy.
         * Returns whether any outgoing instance remains.
         */
        private boolean retireOutgoingInstances(boolean newInstancesReady) {
            boolean left = false;
            for (Instance i : instances) {
                if (!alive(i) || !outgoing(i)) continue;
                if (newInstancesReady && copiesOn(i) == 0) {
                    ProductionVariant v = config.variant(i.variantName()).orElse(null);
                    terminate(i, v == null ? "variant " + i.variantName() + " is no longer in endpoint config "
                            + config.name() : "replaced: variant " + v.variantName() + " now runs " + v.instanceType());
                } else {
                    left = true;
                }
            }
            return left;
        }

        private int copiesOn(Instance i) {
            int n = 0;
            for (InferenceComponent c : components) {
                for (Copy copy : copiesByComponent.getOrDefault(c.name(), List.of())) {
                    if (copy.instanceId().equals(i.id())) n++;
                }
            }
            return n;
        }

        private void countAllocations() {
            for (Instance i : instances) {
                if (alive(i) && i.status() == InstanceStatus.InService) {
                    allocated.put(i.id(), Resources.NONE);
                    placedByInstance.put(i.id(), new HashMap<>());
                }
            }
            for (InferenceComponent c : components) {
                for (Copy copy : copiesByComponent.getOrDefault(c.name(), List.of())) {
                    if (copy.holdsResources() && allocated.containsKey(copy.instanceId())) {
                        allocated.merge(copy.instanceId(), new Resources(copy.accelerators(), copy.cpuMillis(),
                                copy.memoryMb()), Resources::plus);
                        placedByInstance.get(copy.instanceId()).merge(c.name(), 1, Integer::sum);
                    }
                }
            }
        }

        private void planComponent(InferenceComponent c) {
            List<Copy> all = copiesByComponent.getOrDefault(c.name(), List.of());
            Map<String, Instance> byId = instances.stream().collect(Collectors.toMap(Instance::id, i -> i));
            List<Copy> active = new ArrayList<>();
            String failure = null;
            for (Copy copy : all) {
                Instance host = byId.get(copy.instanceId());
                if (host == null || !alive(host)) {
                    out.add(new DeleteCopy(copy.id(), c.name(), "instance " + copy.instanceId() + " is gone"));
                } else if (copy.status() == CopyStatus.Failed) {
                    if (c.status() == ComponentStatus.Creating && copy.specRevision() == c.specRevision()) {
                        failure = failure != null ? failure : "copy " + copy.id() + " on instance " + copy.instanceId()
                                + " failed to start: " + copy.failureReason();
                        out.add(new DeleteCopy(copy.id(), c.name(), "failed: " + copy.failureReason()));
                    } else if (!copy.createdAt().plus(settings.failedCopyRetryDelay()).isAfter(now)) {
                        out.add(new DeleteCopy(copy.id(), c.name(), "failed, to be replaced: " + copy.failureReason()));
                    }
                } else {
                    active.add(copy);
                }
            }
            if (c.status() == ComponentStatus.Deleting) {
                for (Copy copy : active) {
                    if (copy.status() != CopyStatus.Stopping) {
                        out.add(new StopCopy(copy.id(), c.name(), copy.instanceId(), "component is being deleted"));
                    }
                }
                if (all.isEmpty()) {
                    out.add(new DeleteComponent(c.name(), endpoint.name()));
                }
                return;
            }
            if (failure != null) {
                out.add(new SetComponentStatus(c, ComponentStatus.Failed, failure));
                return;
            }
            if (c.status() == ComponentStatus.Failed || endpoint.status() == EndpointStatus.Failed) {
                // Nothing is placed for a failed component, but it must not hold up an endpoint update.
                for (Copy copy : active) {
                    if (copy.status() != CopyStatus.Stopping && outgoing(byId.get(copy.instanceId()))) {
                        out.add(new StopCopy(copy.id(), c.name(), copy.instanceId(), "its instance is being replaced"));
                    }
                }
                return;
            }
            ProductionVariant variant = config.variant(c.variantName()).orElse(null);
            if (variant == null) {
                return; // the API refuses configs that drop a variant in use; nothing safe to do here
            }
            List<Copy> serving = active.stream().filter(x -> x.status() != CopyStatus.Stopping).toList();
            List<Copy> current = new ArrayList<>();
            List<Copy> old = new ArrayList<>();
            for (Copy copy : serving) {
                boolean onGoodInstance = usable(byId.get(copy.instanceId()), variant);
                (copy.specRevision() == c.specRevision() && onGoodInstance ? current : old).add(copy);
            }
            int desired = c.desiredCopyCount();
            int shortfall = 0;
            if (current.size() < desired) {
                shortfall = place(c, variant, desired - current.size());
                if (shortfall > 0) {
                    Resources need = copyResources(c.specification().computeResourceRequirements());
                    int perInstance = fitOnEmpty(catalog.get(variant.instanceType()).capacity(), need);
                    if (perInstance > 0) {
                        unplacedByVariant.computeIfAbsent(variant.variantName(), k -> new ArrayList<>())
                                .add(new int[] {shortfall, perInstance});
                    }
                }
                // Stopping an outdated copy frees room only on an instance this variant keeps using.
                List<Copy> movable = old.stream().filter(x -> usable(byId.get(x.instanceId()), variant)).toList();
                if (shortfall > 0 && !movable.isEmpty()) {
                    Copy oldest = movable.stream().min(Comparator.comparing(Copy::createdAt)).orElseThrow();
                    out.add(new StopCopy(oldest.id(), c.name(), oldest.instanceId(),
                            "makes room for a copy of revision " + c.specRevision()));
                    old.remove(oldest);
                }
            } else if (current.size() > desired) {
                // From the coldest instance first (fewest bytes of this component's image and model, then fewest
                // cached bytes in all), so warm caches stay in use and the coldest instances empty out for managed
                // instance scaling to release; then not yet serving first; then from the instance holding the fewest
                // copies; then the newest.
                CopyArtifacts artifacts = artifacts(c);
                Map<String, Long> cachedBytes = instances.stream().collect(Collectors.toMap(Instance::id, Instance::cachedBytes));
                current.stream()
                        .sorted(Comparator.comparingLong((Copy x) -> warmBytes(x.instanceId(), artifacts))
                                .thenComparingLong(x -> cachedBytes.getOrDefault(x.instanceId(), 0L))
                                .thenComparing((Copy x) -> x.status() == CopyStatus.InService)
                                .thenComparingInt((Copy x) -> copiesHeldOn(x.instanceId()))
                                .thenComparing(Copy::createdAt, Comparator.reverseOrder()))
                        .limit(current.size() - desired)
                        .forEach(x -> out.add(new StopCopy(x.id(), c.name(), x.instanceId(),
                                "surplus: " + c.name() + " wants " + desired + " copies")));
            }
            long currentInService = current.stream().filter(x -> x.status() == CopyStatus.InService).count();
            if (currentInService >= desired) {
                for (Copy x : old) {
                    out.add(new StopCopy(x.id(), c.name(), x.instanceId(), x.specRevision() != c.specRevision()
                            ? "replaced by revision " + c.specRevision() : "its instance is being replaced"));
                }
                if ((c.status() == ComponentStatus.Creating || c.status() == ComponentStatus.Updating)
                        && endpoint.status() != EndpointStatus.Creating) {
                    out.add(new SetComponentStatus(c, ComponentStatus.InService, null));
                }
            } else if (c.status() == ComponentStatus.Creating && shortfall > 0
                    && c.statusSince().plus(settings.capacityWait()).isBefore(now)) {
                Resources need = copyResources(c.specification().computeResourceRequirements());
                out.add(new SetComponentStatus(c, ComponentStatus.Failed, "InsufficientCapacity: " + (desired - shortfall)
                        + " of " + desired + " copies placed after " + settings.capacityWait().toSeconds()
                        + " s; no in-service instance of variant " + variant.variantName() + " (" + variant.instanceType()
                        + ") has " + need + " free"));
            }
        }

        private boolean managed(ProductionVariant v) {
            return v.managedInstanceScaling() != null && v.managedInstanceScaling().enabled();
        }

        /** Copies that hold resources on an instance, counting those this pass placed. */
        private int copiesHeldOn(String instanceId) {
            Map<String, Integer> placed = placedByInstance.get(instanceId);
            return placed == null ? 0 : placed.values().stream().mapToInt(Integer::intValue).sum();
        }

        /**
         * Managed instance scaling: launches instances for copies that found no room (within the variant's maximum),
         * and releases in-service instances that held no copies for the endpoint's scale-in cooldown (down to the
         * minimum), the coldest first. The decision is the scaler's; this gathers what it needs.
         */
        private void planManagedInstances() {
            for (ProductionVariant v : config.productionVariants()) {
                if (!managed(v)) continue;
                List<FleetInstance> fleet = new ArrayList<>();
                for (Instance i : instances) {
                    if (!usable(i, v)) continue;
                    boolean inService = i.status() == InstanceStatus.InService;
                    int held = inService ? copiesHeldOn(i.id()) : 0;
                    fleet.add(new FleetInstance(i.id(), inService, held,
                            held == 0 ? (i.idleSince() != null ? i.idleSince() : now) : null, i.cachedBytes(),
                            i.launchedAt()));
                }
                for (int n = 0; n < launching.getOrDefault(v.variantName(), 0); n++) {
                    fleet.add(new FleetInstance("(launching-" + n + ")", false, 0, null, 0, now));
                }
                // Several components may wait for room: ask for the instances each needs, as copies of one size.
                int instancesNeeded = 0;
                int unplaced = 0;
                for (int[] u : unplacedByVariant.getOrDefault(v.variantName(), List.of())) {
                    instancesNeeded += (u[0] + u[1] - 1) / u[1];
                    unplaced += u[0];
                }
                int perInstance = instancesNeeded == 0 ? 1 : Math.max(1, unplaced / instancesNeeded);
                if (instancesNeeded > 0 && unplaced > perInstance * instancesNeeded) {
                    unplaced = perInstance * instancesNeeded; // rounding must not ask for more than was counted
                }
                var m = v.managedInstanceScaling();
                InstanceDecision d = InstanceScaling.decide(new VariantFleet(
                        v.variantName(), m.minInstanceCount(), m.maxInstanceCount(), instanceScaleInCooldown,
                        instancesNeeded == 0 ? 0 : unplaced, perInstance, fleet), now);
                List<String> noRoom = noRoomByVariant.getOrDefault(v.variantName(), List.of());
                String launchReason = noRoom.isEmpty() ? d.reason() : d.reason() + " (" + String.join("; ", noRoom) + ")";
                for (int n = 0; n < d.launch(); n++) {
                    out.add(new LaunchInstance(endpoint, v.variantName(), v.instanceType(), launchReason));
                }
                Map<String, Instance> byId = instances.stream().collect(Collectors.toMap(Instance::id, i -> i));
                for (String id : d.release()) {
                    Instance i = byId.get(id);
                    if (i != null) terminate(i, d.reason());
                }
            }
        }

        /** Records when in-service instances became idle, or stopped being idle, for managed instance scaling. */
        private void markIdleInstances() {
            for (Instance i : instances) {
                if (!alive(i) || i.status() != InstanceStatus.InService) continue;
                int held = copiesHeldOn(i.id());
                if (held == 0 && i.idleSince() == null) {
                    out.add(new Action.SetInstanceIdle(i.id(), now));
                } else if (held > 0 && i.idleSince() != null) {
                    out.add(new Action.SetInstanceIdle(i.id(), null));
                }
            }
        }

        /**
         * Places {@code count} copies on the variant's in-service instances, warm ones first, each with why it went
         * there; returns how many found no room.
         */
        private int place(InferenceComponent c, ProductionVariant variant, int count) {
            Resources need = copyResources(c.specification().computeResourceRequirements());
            Resources capacity = catalog.get(variant.instanceType()).capacity();
            List<InstanceSlot> slots = new ArrayList<>();
            Map<String, Instance> byId = new HashMap<>();
            for (Instance i : instances) {
                if (usable(i, variant) && allocated.containsKey(i.id())) {
                    slots.add(new InstanceSlot(i.id(), capacity, allocated.get(i.id()), placedByInstance.get(i.id()),
                            heldByInstance.get(i.id())));
                    byId.put(i.id(), i);
                }
            }
            CopyPlacement.Result result = CopyPlacement.place(slots, c.name(), need, artifacts(c), count);
            if (result.shortfall() != null) {
                noRoomByVariant.computeIfAbsent(variant.variantName(), k -> new ArrayList<>())
                        .add(c.name() + ": " + result.shortfall().reason());
            }
            for (int n = 0; n < result.instanceIds().size(); n++) {
                String instanceId = result.instanceIds().get(n);
                PlacementExplanation why = result.explanations().get(n);
                out.add(new PlaceCopy(c.name(), instanceId, c.specRevision(), need, launchedFor(why, byId)));
                allocated.merge(instanceId, need, Resources::plus);
                placedByInstance.get(instanceId).merge(c.name(), 1, Integer::sum);
            }
            return result.unplaced();
        }

        /**
         * Says so when a copy lands on a new instance that was launched because the instances running before had no
         * room: on an endpoint in service, only copies that found no room (or a lost instance's copies) launch one.
         */
        private PlacementExplanation launchedFor(PlacementExplanation why, Map<String, Instance> candidates) {
            if (endpoint.status() != EndpointStatus.InService || !isNew(candidates.get(why.instanceId()))) return why;
            int before = 0;
            for (PlacementExplanation.Candidate x : why.candidates()) {
                if (isNew(candidates.get(x.instanceId()))) continue;
                if (x.fits()) return why;
                before++;
            }
            return why.withReason("on a new instance launched for it: " + switch (before) {
                case 0 -> "no instance was in service before it";
                case 1 -> "the instance running before had no room";
                default -> "none of the " + before + " instances running before had room";
            });
        }

        /** In service and never held a copy: it registered since the last pass that could place on it. */
        private boolean isNew(Instance i) {
            return i != null && i.status() == InstanceStatus.InService && i.idleSince() == null && copiesOn(i) == 0;
        }

        /** Bytes of a component's image and model that an instance holds. */
        private long warmBytes(String instanceId, CopyArtifacts artifacts) {
            Map<String, Long> held = heldByInstance.getOrDefault(instanceId, Map.of());
            return (artifacts.image() == null ? 0 : held.getOrDefault(artifacts.image(), 0L))
                    + (artifacts.artifactUrl() == null ? 0 : held.getOrDefault(artifacts.artifactUrl(), 0L));
        }
    }

    /** For logs and tests: how many actions of each kind a plan holds. */
    public static Map<String, Long> summary(List<Action> actions) {
        return actions.stream().collect(Collectors.groupingBy(a -> a.getClass().getSimpleName(), LinkedHashMap::new,
                Collectors.counting()));
    }
}
