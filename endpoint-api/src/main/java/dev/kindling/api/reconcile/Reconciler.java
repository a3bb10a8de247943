package dev.kindling.api.reconcile;

import dev.kindling.api.caches.CacheGrants;
import dev.kindling.api.caches.InstanceSecrets;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.PlacementJson;
import dev.kindling.api.reconcile.Action.DeleteComponent;
import dev.kindling.api.reconcile.Action.DeleteCopy;
import dev.kindling.api.reconcile.Action.DeleteEndpoint;
import dev.kindling.api.reconcile.Action.LaunchInstance;
import dev.kindling.api.reconcile.Action.PlaceCopy;
import dev.kindling.api.reconcile.Action.SetComponentStatus;
import dev.kindling.api.reconcile.Action.SetEndpointStatus;
import dev.kindling.api.reconcile.Action.StopCopy;
import dev.kindling.api.reconcile.Action.TerminateInstance;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import dev.kindling.api.scaling.ScaleOutFollower;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Applies the planner's actions: one pass reads a snapshot, plans, and carries out each action against the
 * database and the fleet. Runs on one thread (the reconcile loop, or a test), so it may block on the database.
 * Status writes are version-checked: if a user changed a resource meanwhile, the write is dropped and the next
 * pass plans again from the new state.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

    private final EndpointStore endpoints;
    private final EndpointConfigStore configs;
    private final InferenceComponentStore components;
    private final InstanceStore instances;
    private final CopyStore copies;
    private final FleetProvider fleet;
    private final AgentClient agents;
    private final InstanceTypeCatalog catalog;
    private final ReconcilePlanner planner;
    private final Clock clock;
    private final FleetMetrics metrics;
    private final ScaleOutFollower scaleOuts;
    private final CacheGrants caches;

    public Reconciler(EndpointStore endpoints, EndpointConfigStore configs, InferenceComponentStore components,
                      InstanceStore instances, CopyStore copies, FleetProvider fleet, AgentClient agents,
                      InstanceTypeCatalog catalog, ReconcileSettings settings, Clock clock,
                      FleetMetrics metrics, ScaleOutFollower scaleOuts) {
        this(endpoints, configs, components, instances, copies, fleet, agents, catalog, settings, clock, metrics, scaleOuts,
                CacheGrants.NONE);
    }

    /** A reconciler whose launches attach the endpoint's ready cache volume ({@code caches}). */
    public Reconciler(EndpointStore endpoints, EndpointConfigStore configs, InferenceComponentStore components,
                      InstanceStore instances, CopyStore copies, FleetProvider fleet, AgentClient agents,
                      InstanceTypeCatalog catalog, ReconcileSettings settings, Clock clock,
                      FleetMetrics metrics, ScaleOutFollower scaleOuts, CacheGrants caches) {
        this.caches = caches;
        this.scaleOuts = scaleOuts;
        this.endpoints = endpoints;
        this.configs = configs;
        this.components = components;
        this.instances = instances;
        this.copies = copies;
        this.fleet = fleet;
        this.agents = agents;
        this.catalog = catalog;
        this.planner = new ReconcilePlanner(catalog, settings);
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Reads, plans and applies once; returns the actions it applied. */
    public List<Action> reconcileOnce() {
        long started = System.nanoTime();
        FleetSnapshot snapshot = snapshot();
        Instant now = clock.instant();
        List<Action> actions = planner.plan(snapshot, now);
        ScaleOutFollower.Pass links = scaleOuts.startPass();
        Map<String, String> agentUrls = new HashMap<>();
        snapshot.instances().forEach(i -> agentUrls.put(i.id(), i.agentUrl()));
        Set<String> toNudge = new HashSet<>();
        for (Action a : actions) {
            try {
                apply(a, now, toNudge, links);
            } catch (RuntimeException e) {
                log.atError().addKeyValue("action", a).setCause(e).log("Reconcile action failed; retried next pass");
            }
        }
        Flux.fromIterable(toNudge).flatMap(id -> agents.sync(id, agentUrls.get(id))).blockLast(DB_TIMEOUT);
        try {
            scaleOuts.follow(links, now);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).log("Could not bring scale-out events up to date; retried next pass");
        }
        metrics.record(snapshot, actions, Duration.ofNanos(System.nanoTime() - started));
        return actions;
    }

    FleetSnapshot snapshot() {
        List<Endpoint> eps = endpoints.findAll().collectList().block(DB_TIMEOUT);
        Map<String, EndpointConfig> cfgs = new HashMap<>();
        for (Endpoint e : eps) {
            cfgs.computeIfAbsent(e.configName(), n -> configs.find(n).block(DB_TIMEOUT));
        }
        List<InferenceComponent> comps = Flux.fromIterable(eps)
                .concatMap(e -> components.findByEndpoint(e.name())).collectList().block(DB_TIMEOUT);
        List<Instance> insts = instances.findUnterminated().collectList().block(DB_TIMEOUT);
        List<Copy> cps = copies.findAll().collectList().block(DB_TIMEOUT);
        return new FleetSnapshot(eps, cfgs, comps, insts, cps, scaleOuts.scaleInCooldowns(comps));
    }

    private void apply(Action action, Instant now, Set<String> toNudge, ScaleOutFollower.Pass links) {
        switch (action) {
            case LaunchInstance a -> launch(a, now, links.forInstance(a.endpoint().name(), a.variantName()));
            case Action.SetInstanceIdle a -> instances.setIdleSince(a.instanceId(), a.idleSince()).block(DB_TIMEOUT);
            case TerminateInstance a -> terminate(a, now);
            case PlaceCopy a -> {
                String id = newId("kc-");
                String event = links.forCopy(a.componentName());
                copies.insert(new Copy(id, a.componentName(), a.instanceId(), a.specRevision(),
                        a.resources().accelerators(), a.resources().cpuMillis(), a.resources().memoryMb(),
                        CopyStatus.Pending, null, null, now, null, null), event, PlacementJson.write(a.explanation()))
                        .block(DB_TIMEOUT);
                toNudge.add(a.instanceId());
                log.atInfo().addKeyValue("component", a.componentName()).addKeyValue("copy", id)
                        .addKeyValue("instance", a.instanceId()).addKeyValue("resources", a.resources())
                        .addKeyValue("scalingEvent", event)
                        .log("Copy placed: {}", a.explanation() == null ? "" : a.explanation().reason());
            }
            case StopCopy a -> {
                copies.markStopping(a.copyId()).block(DB_TIMEOUT);
                toNudge.add(a.instanceId());
                log.atInfo().addKeyValue("component", a.componentName()).addKeyValue("copy", a.copyId())
                        .addKeyValue("instance", a.instanceId()).log("Copy stopping: {}", a.reason());
            }
            case DeleteCopy a -> {
                copies.delete(a.copyId()).block(DB_TIMEOUT);
                log.atInfo().addKeyValue("component", a.componentName()).addKeyValue("copy", a.copyId())
                        .log("Copy removed: {}", a.reason());
            }
            case SetEndpointStatus a -> setEndpointStatus(a.endpoint(), a.status(), a.failureReason(), now);
            case SetComponentStatus a -> {
                InferenceComponent c = a.component();
                boolean written = components.update(new InferenceComponent(c.name(), c.endpointName(), c.variantName(),
                        c.specification(), c.specRevision(), c.desiredCopyCount(), a.status(), a.failureReason(),
                        c.creationTime(), now, now, c.version()), c.version()).block(DB_TIMEOUT);
                if (written) {
                    log.atInfo().addKeyValue("component", c.name()).addKeyValue("endpoint", c.endpointName())
                            .addKeyValue("status", a.status()).addKeyValue("failureReason", a.failureReason())
                            .log("Inference component {}", a.status());
                }
            }
            case DeleteComponent a -> {
                components.delete(a.componentName()).block(DB_TIMEOUT);
                log.atInfo().addKeyValue("component", a.componentName()).addKeyValue("endpoint", a.endpointName())
                        .log("Inference component deleted");
            }
            case DeleteEndpoint a -> {
                instances.deleteTerminated(a.endpointName()).block(DB_TIMEOUT);
                endpoints.delete(a.endpointName()).block(DB_TIMEOUT);
                log.atInfo().addKeyValue("endpoint", a.endpointName()).log("Endpoint deleted");
            }
        }
    }

    private void launch(LaunchInstance a, Instant now, String scalingEvent) {
        String id = newId("ki-");
        // The agent proves with this secret which instance (and so which endpoint) it is; only its hash is kept.
        String secret = InstanceSecrets.newSecret();
        instances.insert(new Instance(id, a.endpoint().name(), a.variantName(), a.instanceType(), InstanceStatus.Pending,
                null, null, now, null, null, null), scalingEvent, InstanceSecrets.hash(secret)).block(DB_TIMEOUT);
        FleetProvider.CacheVolume cache = cacheVolume(a.endpoint().name());
        try {
            fleet.launch(new FleetProvider.LaunchRequest(id, a.endpoint().name(), a.variantName(), catalog.get(a.instanceType()),
                    secret, cache));
            log.atInfo().addKeyValue("endpoint", a.endpoint().name()).addKeyValue("variant", a.variantName())
                    .addKeyValue("instance", id).addKeyValue("instanceType", a.instanceType())
                    .addKeyValue("scalingEvent", scalingEvent)
                    .addKeyValue("cacheGeneration", cache == null ? null : cache.generation())
                    .log("Instance launched: {}", a.reason());
        } catch (FleetProvider.LaunchException e) {
            instances.markTerminating(id, "launch failed: " + e.getMessage()).block(DB_TIMEOUT);
            instances.markTerminated(id, now).block(DB_TIMEOUT);
            log.atWarn().addKeyValue("endpoint", a.endpoint().name()).addKeyValue("instance", id)
                    .addKeyValue("instanceType", a.instanceType()).log("Launch failed: {}", e.getMessage());
            if (a.endpoint().status() == EndpointStatus.Creating || a.endpoint().status() == EndpointStatus.Updating) {
                setEndpointStatus(a.endpoint(), EndpointStatus.Failed, "could not launch " + a.instanceType()
                        + " for variant " + a.variantName() + ": " + e.getMessage(), now);
            }
        }
    }

    /** The endpoint's ready cache volume, if any; a launch never waits on, or fails for, a cache. */
    private FleetProvider.CacheVolume cacheVolume(String endpointName) {
        try {
            return caches.launchVolume(endpointName).block(DB_TIMEOUT);
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("endpoint", endpointName)
                    .log("Launching without the endpoint's cache volume, which could not be looked up: {}", e.toString());
            return null;
        }
    }

    private void terminate(TerminateInstance a, Instant now) {
        instances.markTerminating(a.instanceId(), a.reason()).block(DB_TIMEOUT);
        fleet.terminate(a.instanceId());
        for (Copy c : copies.findByInstance(a.instanceId()).collectList().block(DB_TIMEOUT)) {
            copies.delete(c.id()).block(DB_TIMEOUT);
        }
        instances.markTerminated(a.instanceId(), now).block(DB_TIMEOUT);
        agents.forget(a.instanceId());
        log.atInfo().addKeyValue("endpoint", a.endpointName()).addKeyValue("instance", a.instanceId())
                .log("Instance terminated: {}", a.reason());
    }

    private void setEndpointStatus(Endpoint e, EndpointStatus status, String reason, Instant now) {
        boolean written = endpoints.update(new Endpoint(e.name(), e.configName(), status, reason, e.creationTime(), now,
                now, e.version()), e.version()).block(DB_TIMEOUT);
        if (written) {
            log.atInfo().addKeyValue("endpoint", e.name()).addKeyValue("status", status).addKeyValue("failureReason", reason)
                    .log("Endpoint {}", status);
        }
    }

    private static String newId(String prefix) {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }
}
