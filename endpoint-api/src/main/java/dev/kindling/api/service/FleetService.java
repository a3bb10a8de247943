package dev.kindling.api.service;

import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.HeartbeatResponse;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.agent.protocol.RegistrationResponse;
import dev.kindling.api.caches.CacheGrants;
import dev.kindling.api.caches.InstanceSecrets;
import dev.kindling.api.fleet.InstanceType;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.InventoryJson;
import dev.kindling.api.model.StartupJson;
import dev.kindling.api.model.Views.InstanceTypeView;
import dev.kindling.api.model.Views.InstanceView;
import dev.kindling.api.model.Views.ResourcesView;
import dev.kindling.api.metrics.CopyStartMetrics;
import dev.kindling.api.reconcile.ReconcileTrigger;
import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import dev.kindling.db.store.ListQuery;
import dev.kindling.db.store.Page;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The fleet as the API shows it (instances, their capacity and the copies they hold) and as agents talk to it:
 * registration, and heartbeats whose answer is the set of copies the instance should run.
 */
@Service
public class FleetService {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FleetService.class);

    private final InstanceStore instances;
    private final CopyStore copies;
    private final InferenceComponentStore components;
    private final InstanceTypeCatalog catalog;
    private final ReconcileTrigger reconciler;
    private final Clock clock;
    private final CopyStartMetrics startMetrics;
    private final CacheGrants caches;
    private volatile Runnable servingChanged = () -> { };

    public FleetService(InstanceStore instances, CopyStore copies, InferenceComponentStore components,
                        InstanceTypeCatalog catalog, ReconcileTrigger reconciler, Clock clock, CopyStartMetrics startMetrics) {
        this(instances, copies, components, catalog, reconciler, clock, startMetrics, CacheGrants.NONE);
    }

    /** A fleet service that gives instances which proved their endpoint that endpoint's caches ({@code caches}). */
    @Autowired
    public FleetService(InstanceStore instances, CopyStore copies, InferenceComponentStore components,
                        InstanceTypeCatalog catalog, ReconcileTrigger reconciler, Clock clock, CopyStartMetrics startMetrics,
                        CacheGrants caches) {
        this.caches = caches;
        this.instances = instances;
        this.copies = copies;
        this.components = components;
        this.catalog = catalog;
        this.reconciler = reconciler;
        this.clock = clock;
        this.startMetrics = startMetrics;
    }

    public List<InstanceTypeView> instanceTypes() {
        return catalog.all().stream().map(t -> new InstanceTypeView(t.name(), t.accelerators(), t.acceleratorModel(),
                t.vcpus(), t.memoryMb(), t.launchDelaySeconds(), t.networkGbps(), t.diskWriteMibps())).toList();
    }

    public Mono<Page<InstanceView>> list(ListQuery q) {
        return instances.list(q).flatMap(page -> Flux.fromIterable(page.items()).concatMap(this::view).collectList()
                .map(views -> new Page<>(views, page.nextToken())));
    }

    public Mono<InstanceView> get(String id) {
        return instances.find(id).switchIfEmpty(Mono.error(() -> ApiException.notFound("instance", id))).flatMap(this::view);
    }

    private Mono<InstanceView> view(Instance i) {
        return copies.findByInstance(i.id()).collectList().map(cs -> {
            InstanceType type = catalog.find(i.instanceType()).orElse(null);
            long acc = 0, cpu = 0, mem = 0;
            for (Copy c : cs) {
                if (c.holdsResources()) {
                    acc += c.accelerators();
                    cpu += c.cpuMillis();
                    mem += c.memoryMb();
                }
            }
            ResourcesView capacity = type == null ? null
                    : new ResourcesView(type.accelerators(), type.vcpus(), type.memoryMb());
            return new InstanceView(i.id(), i.endpointName(), i.variantName(), i.instanceType(), i.status().name(),
                    capacity, new ResourcesView((int) acc, cpu / 1000.0, mem), cs.stream().map(Copy::id).toList(),
                    i.agentUrl(), i.failureReason(), i.launchedAt(), i.registeredAt(), i.lastHeartbeatAt(), i.terminatedAt());
        });
    }

    /** An agent registers without credentials: only an instance launched without a secret may (it gets no cache). */
    public Mono<Void> register(String instanceId, Registration r) {
        return register(instanceId, r, null).then();
    }

    /**
     * An agent registers; unknown or terminated instances get a 404 so their agent shuts down. An instance launched
     * with a secret must present it ({@code authorization}, {@code Bearer <secret>}: 401 without, 403 when wrong) and
     * may not claim another endpoint than its own (403); it is then given its endpoint's caches. An instance launched
     * without one registers as before and is given none.
     */
    public Mono<RegistrationResponse> register(String instanceId, Registration r, String authorization) {
        Violations v = new Violations();
        if (v.required(r.agentUrl(), "agentUrl")) {
            v.check(r.agentUrl().startsWith("http://") || r.agentUrl().startsWith("https://"), "agentUrl",
                    "must be an http(s) URL");
        }
        if (!v.isEmpty()) return Mono.error(v.toException());
        return identify(instanceId, "instance", authorization)
                .flatMap(caller -> {
                    Instance i = caller.instance();
                    if (caller.trusted() && r.endpointName() != null && !r.endpointName().equals(i.endpointName())) {
                        return Mono.error(ApiException.forbidden("instance " + instanceId + " was not launched for endpoint "
                                + r.endpointName() + "; it is given no cache of it"));
                    }
                    if (r.instanceType() != null && !r.instanceType().equals(i.instanceType())) {
                        return Mono.error(ApiException.invalid("instanceType", "must be " + i.instanceType()
                                + ", the type this instance was launched as"));
                    }
                    boolean granted = caller.trusted() && i.endpointName().equals(r.endpointName());
                    return instances.register(instanceId, r.agentUrl(), clock.instant())
                            .flatMap(ok -> ok ? Mono.just(granted)
                                    : Mono.error(ApiException.notFound("live instance", instanceId)))
                            .flatMap(g -> g ? caches.grant(i).map(RegistrationResponse::new)
                                    : Mono.<RegistrationResponse>empty())
                            .defaultIfEmpty(new RegistrationResponse(null));
                })
                .doOnSuccess(x -> reconciler.kick());
    }

    /** An instance as its agent proved it: trusted when it presented the secret it was launched with. */
    private record Caller(Instance instance, boolean trusted) {}

    /**
     * Finds the instance (404 as {@code missing} if there is none) and checks the secret presented against the one it
     * was launched with: none kept means an instance from before secrets, which is served but never trusted.
     */
    private Mono<Caller> identify(String instanceId, String missing, String authorization) {
        return instances.find(instanceId)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(missing, instanceId)))
                .flatMap(i -> instances.secretHash(instanceId).defaultIfEmpty(Optional.empty()).flatMap(hash -> {
                    if (hash.isEmpty()) return Mono.just(new Caller(i, false));
                    String secret = InstanceSecrets.bearerToken(authorization);
                    if (secret == null) {
                        return Mono.error(ApiException.unauthorized("instance " + instanceId + " was launched with a "
                                + "secret; its agent must present it as 'Authorization: Bearer <secret>'"));
                    }
                    if (!InstanceSecrets.matches(secret, hash.get())) {
                        return Mono.error(ApiException.forbidden("the secret presented is not the one instance "
                                + instanceId + " was launched with"));
                    }
                    return Mono.just(new Caller(i, true));
                }));
    }

    /** Called when a copy starts or stops serving, so routers learn of it without waiting for their next refresh. */
    public void onServingChanged(Runnable listener) {
        this.servingChanged = listener;
    }

    /** A heartbeat without credentials: only an instance launched without a secret may send one. */
    public Mono<HeartbeatResponse> heartbeat(String instanceId, Heartbeat hb) {
        return heartbeat(instanceId, hb, null);
    }

    /**
     * Records an agent's report and answers with the copies the instance should run, and, for an instance that
     * proved itself with its secret (checked as at registration), its endpoint's current cache grant and peers.
     */
    public Mono<HeartbeatResponse> heartbeat(String instanceId, Heartbeat hb, String authorization) {
        return identify(instanceId, "live instance", authorization)
                .flatMap(caller -> observe(instanceId, hb, caller.trusted())
                        .flatMap(r -> caller.trusted() ? withCaches(caller.instance(), r) : Mono.just(r)));
    }

    private Mono<HeartbeatResponse> withCaches(Instance i, HeartbeatResponse r) {
        return Mono.zip(caches.grant(i).map(Optional::of).defaultIfEmpty(Optional.empty()), caches.peers(i))
                .map(t -> new HeartbeatResponse(r.copies(), t.getT1().orElse(null), t.getT2()));
    }

    /**
     * Records the report and answers with the copies the instance should run. Copies the control plane asked to stop
     * and the agent no longer reports are gone, so they are forgotten here.
     */
    private Mono<HeartbeatResponse> observe(String instanceId, Heartbeat hb, boolean trusted) {
        Instant now = clock.instant();
        return instances.heartbeat(instanceId, now, hb.cachedBytes(), InventoryJson.write(hb.inventory()))
                .flatMap(ok -> ok ? copies.findByInstance(instanceId).collectList()
                        : Mono.error(ApiException.notFound("live instance", instanceId)))
                .flatMap(known -> {
                    Map<String, Copy> byId = known.stream().collect(Collectors.toMap(Copy::id, c -> c));
                    Set<String> reported = hb.copies().stream().map(CopyReport::copyId).collect(Collectors.toSet());
                    boolean changed = false;
                    List<Mono<Boolean>> writes = new java.util.ArrayList<>();
                    List<FinishedStart> finishedStarts = new java.util.concurrent.CopyOnWriteArrayList<>();
                    for (CopyReport r : hb.copies()) {
                        Copy c = byId.get(r.copyId());
                        if (c == null || r.state() == null) continue;
                        // A copy being stopped or already failed takes no report (the store would refuse it anyway).
                        if (c.status() == CopyStatus.Stopping || c.status() == CopyStatus.Failed) continue;
                        CopyStatus status = CopyStatus.valueOf(r.state().name());
                        boolean finished = c.status() != status && r.startup() != null
                                && (status == CopyStatus.InService || status == CopyStatus.Failed);
                        changed |= c.status() != status;
                        // A start's report is final once the copy serves: kept as stored, not written every beat.
                        boolean settled = c.status() == CopyStatus.InService && status == CopyStatus.InService;
                        String startup = settled ? null : StartupJson.write(r.startup());
                        writes.add(copies.reportObserved(c.id(), instanceId, c.status(), status, r.modelServerUrl(),
                                        r.failureReason(), r.readyAt(), startup)
                                .doOnNext(applied -> {
                                    // Only the report that moved the copy on counts its start, once.
                                    if (applied && finished) {
                                        finishedStarts.add(new FinishedStart(c.componentName(), status, r.startup()));
                                    }
                                }));
                    }
                    for (Copy c : known) {
                        if (c.status() == CopyStatus.Stopping && !reported.contains(c.id())) {
                            writes.add(copies.delete(c.id()));
                            changed = true;
                        }
                    }
                    boolean kick = changed;
                    return Flux.concat(writes).then(Mono.defer(() -> recordStarts(instanceId, finishedStarts, trusted)))
                            .then(Mono.fromRunnable(() -> {
                                if (kick) {
                                    reconciler.kick();
                                    servingChanged.run();
                                }
                            })).then(assignments(instanceId));
                });
    }

    /** A copy start that ended with this heartbeat, to export once. */
    private record FinishedStart(String component, CopyStatus outcome, CopyStartup startup) {}

    /**
     * Exports finished starts, tagged with the instance's endpoint (looked up only when there are any), and records
     * the faults a trusted instance found in its endpoint's cache volume (each start is finished once, so each fault
     * counts once). Neither ever fails a heartbeat: a report they cannot take is logged and skipped.
     */
    private Mono<Void> recordStarts(String instanceId, List<FinishedStart> starts, boolean trusted) {
        if (starts.isEmpty()) return Mono.empty();
        return instances.find(instanceId).flatMap(i -> {
            double sourceRate = catalog.find(i.instanceType()).map(t -> t.networkGbps() * 1e9 / 8).orElse(Double.NaN);
            starts.forEach(s -> {
                try {
                    startMetrics.record(i.endpointName(), s.component(), s.outcome().name(), s.startup(), sourceRate);
                } catch (RuntimeException e) {
                    log.atWarn().addKeyValue("instance", instanceId).addKeyValue("component", s.component())
                            .log("Could not export a copy start's metrics: {}", e.toString());
                }
            });
            if (!trusted) return Mono.<Void>empty();
            return Flux.fromIterable(starts).concatMap(s -> caches.recordFaults(i, s.startup())
                    .onErrorResume(e -> {
                        log.atWarn().addKeyValue("instance", instanceId).addKeyValue("component", s.component())
                                .log("Could not record the cache faults of a copy start: {}", e.toString());
                        return Mono.empty();
                    })).then();
        });
    }

    private Mono<HeartbeatResponse> assignments(String instanceId) {
        return copies.findByInstance(instanceId)
                .filter(c -> c.status() != CopyStatus.Stopping && c.status() != CopyStatus.Failed)
                .collectList()
                .flatMap(cs -> {
                    Map<String, Mono<InferenceComponent>> lookups = new HashMap<>();
                    return Flux.fromIterable(cs)
                            .concatMap(c -> lookups.computeIfAbsent(c.componentName(), n -> components.find(n).cache())
                                    .map(ic -> assignment(c, ic.specification())))
                            .collectList()
                            .map(HeartbeatResponse::new);
                });
    }

    private static CopyAssignment assignment(Copy c, ComponentSpec spec) {
        return new CopyAssignment(c.id(), c.componentName(), c.specRevision(), spec.container().image(),
                spec.container().artifactUrl(), spec.container().environment(), c.memoryMb(),
                spec.startupParameters().modelDataDownloadTimeoutInSeconds(),
                spec.startupParameters().containerStartupHealthCheckTimeoutInSeconds());
    }
}
