package dev.kindling.api.scaling;

import dev.kindling.api.leader.LeaderLoops;
import dev.kindling.api.metrics.ScalingMetrics;
import dev.kindling.api.reconcile.ReconcileTrigger;
import dev.kindling.api.router.CapacityDemand;
import dev.kindling.api.router.ComponentLoad;
import dev.kindling.api.router.LoadSampler;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.ScalableTargetRecord;
import dev.kindling.db.model.ScalingEvent;
import dev.kindling.db.model.ScalingPolicyRecord;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.RouterLoadStore;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingStore;
import dev.kindling.scaler.metrics.LoadReadings;
import dev.kindling.scaler.metrics.LoadWindows;
import dev.kindling.scaler.metrics.WindowSettings;
import dev.kindling.scaler.policy.MetricType;
import dev.kindling.scaler.policy.ScalableTarget;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.scaling.CopyScaler;
import dev.kindling.scaler.scaling.Decision;
import dev.kindling.scaler.scaling.ScalerSettings;
import dev.kindling.scaler.scaling.ScalerState;
import dev.kindling.scaler.scaling.ScalingInput;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The scaler's actuator. Every second, on every replica, it drains the router's load; a follower writes it to the
 * database for the leader, and the leader adds the fresh load of the other replicas, records one sample per
 * component into its windows, asks {@link CopyScaler} for a decision, and applies it: the component's copy count
 * (version-checked, so a user's concurrent change wins), a scaling event with the decision's reason, and a kick to
 * the reconciler, which places the copies. A request held at zero copies wakes it at once
 * ({@link #capacityWanted}), so a scale from zero does not wait for the next second. Windows and decider state live
 * in memory and are rebuilt by a new leader (cooldown clocks from the stored events).
 */
public final class ScalerLoop implements SmartLifecycle, CapacityDemand {

    private static final Logger log = LoggerFactory.getLogger(ScalerLoop.class);
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(10);

    /** What the loop needs to know besides its stores; the scaler settings carry the window lengths. */
    public record Settings(ScalerSettings scaler, Duration remoteLoadMaxAge, String replicaId) {
        WindowSettings windows() {
            return scaler.windows();
        }
    }

    private final LoadSampler sampler;
    private final RouterLoadStore loadStore;
    private final InferenceComponentStore components;
    private final CopyStore copies;
    private final ScalingStore scaling;
    private final ScalingEventStore events;
    private final Function<ScalingPolicyRecord, ScalingPolicy> policies;
    private final ScalingMetrics metrics;
    private final ReconcileTrigger reconciler;
    private final BooleanSupplier leader;
    private final Clock clock;
    private final Settings settings;

    private final Map<String, LoadWindows> windows = new HashMap<>();
    private final Map<String, ScalerState> states = new HashMap<>();
    private final Map<String, Instant> lastRemoteSample = new HashMap<>();
    private final Map<String, Instant> demands = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private Instant lastRecordedSecond = Instant.EPOCH;
    private boolean wasLeader;
    private volatile Thread thread;
    private volatile boolean running;
    private volatile Instant lastTick;

    public ScalerLoop(LoadSampler sampler, RouterLoadStore loadStore, InferenceComponentStore components, CopyStore copies,
                      ScalingStore scaling, ScalingEventStore events, Function<ScalingPolicyRecord, ScalingPolicy> policies,
                      ScalingMetrics metrics, ReconcileTrigger reconciler, BooleanSupplier leader, Clock clock,
                      Settings settings) {
        this.sampler = sampler;
        this.loadStore = loadStore;
        this.components = components;
        this.copies = copies;
        this.scaling = scaling;
        this.events = events;
        this.policies = policies;
        this.metrics = metrics;
        this.reconciler = reconciler;
        this.leader = leader;
        this.clock = clock;
        this.settings = settings;
    }

    /** A request waits at zero copies: decide at once instead of at the next second. */
    @Override
    public void capacityWanted(String endpointName, String componentName) {
        if (demands.putIfAbsent(componentName, clock.instant()) == null && wake.availablePermits() == 0) {
            wake.release();
        }
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("scaler").daemon().start(this::run);
    }

    private void run() {
        while (running) {
            boolean early;
            try {
                // Ticks fall just after each second boundary, so every tick samples a second of its own.
                long toNextSecond = 1000 - Math.floorMod(clock.millis(), 1000) + 20;
                early = wake.tryAcquire(toNextSecond, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                tick(!early);
            } catch (RuntimeException e) {
                if (!running) return;
                log.atWarn().setCause(e).log("Scaler tick failed; trying again next second");
            }
        }
    }

    /**
     * One tick: {@code sample} drains the router and records a second of load (the regular tick); without it, only
     * components with a request waiting at zero copies are decided (an early tick).
     */
    public synchronized void tick(boolean sample) {
        Instant now = clock.instant();
        boolean leading = leader.getAsBoolean();
        if (!leading) {
            if (wasLeader) forget("this replica no longer leads");
            if (sample) publish(sampler.drain(now), now);
            demands.clear();
            return;
        }
        wasLeader = true;
        Map<String, Load> load = sample ? load(now) : Map.of();
        List<InferenceComponent> all = components.findAll().collectList().block(DB_TIMEOUT);
        Map<String, ScalableTargetRecord> targets = scaling.findAllTargets().collectList().block(DB_TIMEOUT).stream()
                .collect(Collectors.toMap(ScalableTargetRecord::componentName, t -> t));
        Map<String, List<ScalingPolicy>> byComponent = new HashMap<>();
        for (ScalingPolicyRecord r : scaling.findAllPolicies().collectList().block(DB_TIMEOUT)) {
            byComponent.computeIfAbsent(r.componentName(), k -> new ArrayList<>()).add(policies.apply(r));
        }
        // Counted in the database: a tick must not read every copy row (with its start report) each second.
        Map<String, Integer> ready = copies.countInServiceByComponent().block(DB_TIMEOUT);
        Instant second = now.truncatedTo(ChronoUnit.SECONDS);
        boolean record = sample && second.isAfter(lastRecordedSecond);
        if (record) {
            lastRecordedSecond = second;
            recordVariants(all, load, second);
        }
        for (InferenceComponent c : all) {
            Load l = load.getOrDefault(c.name(), Load.NONE);
            LoadWindows w = windows.computeIfAbsent(c.name(), n -> new LoadWindows(settings.windows()));
            if (record) {
                w.record(second, l.concurrency, l.invocations);
                log.atDebug().addKeyValue("component", c.name()).addKeyValue("second", second)
                        .addKeyValue("concurrency", l.concurrency).addKeyValue("invocations", l.invocations)
                        .addKeyValue("held", l.held).log("Load sample");
            }
            Instant demanded = demands.remove(c.name());
            if (!sample && demanded == null) continue;
            ScalableTargetRecord t = targets.get(c.name());
            if (t == null || c.status() != ComponentStatus.InService) continue;
            List<ScalingPolicy> ps = byComponent.getOrDefault(c.name(), List.of());
            LoadReadings readings = perModel(ps) ? variantWindows(c).read(now) : w.read(now);
            int held = Math.max(l.held, demanded != null ? 1 : 0);
            Instant oldestHeld = l.oldestHeldAt != null ? l.oldestHeldAt : demanded;
            decide(c, t, ps, readings, ready.getOrDefault(c.name(), 0), held, oldestHeld, now);
        }
        var names = all.stream().map(InferenceComponent::name).collect(Collectors.toSet());
        windows.keySet().removeIf(n -> !names.contains(n) && !n.startsWith("variant:"));
        states.keySet().removeIf(n -> !names.contains(n));
        lastTick = now;
    }

    private void decide(InferenceComponent c, ScalableTargetRecord t, List<ScalingPolicy> ps, LoadReadings readings,
                        int ready, int held, Instant oldestHeld, Instant now) {
        ScalerState before = states.computeIfAbsent(c.name(), this::restore);
        Decision d = CopyScaler.decide(before, new ScalingInput(c.desiredCopyCount(), ready, readings, held, oldestHeld),
                new ScalableTarget(t.minCapacity(), t.maxCapacity(), t.scaleInSuspended(), t.scaleOutSuspended()), ps,
                settings.scaler(), now);
        states.put(c.name(), d.next());
        if (d.desiredCopies() == c.desiredCopyCount()) return;
        boolean written = components.update(new InferenceComponent(c.name(), c.endpointName(), c.variantName(),
                c.specification(), c.specRevision(), d.desiredCopies(), c.status(), c.failureReason(), c.creationTime(),
                now, c.statusSince(), c.version()), c.version()).block(DB_TIMEOUT);
        if (!written) {
            states.put(c.name(), before); // someone changed the component meanwhile: decide again next tick
            return;
        }
        ScalingEvent.Kind kind = switch (d.kind()) {
            case SCALE_FROM_ZERO -> ScalingEvent.Kind.ScaleFromZero;
            case SCALE_TO_ZERO -> ScalingEvent.Kind.ScaleToZero;
            case SCALE_IN -> ScalingEvent.Kind.ScaleIn;
            default -> d.desiredCopies() > c.desiredCopyCount() ? ScalingEvent.Kind.ScaleOut : ScalingEvent.Kind.ScaleIn;
        };
        ScalingEvent e = new ScalingEvent(eventId(now), c.endpointName(), c.name(), c.variantName(), kind,
                kind.addsCopies() ? ScalingEvent.Status.InProgress : ScalingEvent.Status.Completed,
                c.desiredCopyCount(), d.desiredCopies(), d.policyName(), d.burst(), d.reason(),
                kind.addsCopies() ? (d.thresholdCrossedAt() != null ? d.thresholdCrossedAt() : now) : d.thresholdCrossedAt(),
                now, null, null, null, null, null, null, kind.addsCopies() ? null : now, null, null, "[]");
        events.insert(e).block(DB_TIMEOUT);
        metrics.decided(e);
        reconciler.kick();
        log.atInfo().addKeyValue("endpoint", c.endpointName()).addKeyValue("component", c.name())
                .addKeyValue("event", e.id()).addKeyValue("from", c.desiredCopyCount()).addKeyValue("to", d.desiredCopies())
                .log("{}: {}", kind, d.reason());
    }

    private ScalerState restore(String component) {
        Instant[] last = events.lastScaleTimes(component).block(DB_TIMEOUT);
        return last == null ? ScalerState.initial() : ScalerState.restored(last[0], last[1]);
    }

    private static boolean perModel(List<ScalingPolicy> ps) {
        return ps.stream().anyMatch(p -> p.metricType() == MetricType.SageMakerVariantConcurrentRequestsPerModelHighResolution);
    }

    private LoadWindows variantWindows(InferenceComponent c) {
        return windows.computeIfAbsent("variant:" + c.endpointName() + "/" + c.variantName(),
                n -> new LoadWindows(settings.windows()));
    }

    /** The per-model metric of a single-model variant: the load of all the variant's components, summed. */
    private void recordVariants(List<InferenceComponent> all, Map<String, Load> load, Instant second) {
        Map<String, List<InferenceComponent>> byVariant = all.stream()
                .collect(Collectors.groupingBy(c -> c.endpointName() + "/" + c.variantName()));
        byVariant.forEach((key, cs) -> {
            double concurrency = 0;
            long invocations = 0;
            for (InferenceComponent c : cs) {
                Load l = load.getOrDefault(c.name(), Load.NONE);
                concurrency += l.concurrency;
                invocations += l.invocations;
            }
            windows.computeIfAbsent("variant:" + key, n -> new LoadWindows(settings.windows()))
                    .record(second, concurrency, invocations);
        });
    }

    /** This replica's router load over the last second plus the fresh load other replicas published. */
    private Map<String, Load> load(Instant now) {
        Map<String, Load> out = new HashMap<>();
        for (ComponentLoad l : sampler.drain(now)) {
            out.merge(l.componentName(), new Load(l.concurrency(), l.invocations(), l.held(), l.oldestHeldAt()), Load::plus);
        }
        for (RouterLoadStore.Row r : loadStore.findFresh(settings.replicaId(), now.minus(settings.remoteLoadMaxAge()))
                .collectList().block(DB_TIMEOUT)) {
            String key = r.replicaId() + "|" + r.componentName();
            Instant seen = lastRemoteSample.put(key, r.sampledAt());
            // A row read twice is the same second: its level counts again, its arrivals do not.
            long invocations = seen != null && !r.sampledAt().isAfter(seen) ? 0 : r.invocations();
            out.merge(r.componentName(), new Load(r.concurrency(), invocations, r.held(), r.oldestHeldAt()), Load::plus);
        }
        return out;
    }

    private void publish(List<ComponentLoad> local, Instant now) {
        List<RouterLoadStore.Row> rows = local.stream().map(l -> new RouterLoadStore.Row(settings.replicaId(),
                l.componentName(), l.endpointName(), l.variantName(), now, l.concurrency(), l.invocations(), l.held(),
                l.oldestHeldAt())).toList();
        loadStore.put(settings.replicaId(), rows).block(DB_TIMEOUT);
    }

    private void forget(String why) {
        windows.clear();
        states.clear();
        lastRemoteSample.clear();
        wasLeader = false;
        log.info("Scaler state dropped: {}", why);
    }

    private static String eventId(Instant now) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        return "se-" + String.format("%014x", micros) + "-" + HexFormat.of().formatHex(b);
    }

    /** When the last tick completed, or null. */
    public Instant lastTick() {
        return lastTick;
    }

    @Override
    public void stop() {
        running = false;
        LeaderLoops.stop(thread);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    private record Load(double concurrency, long invocations, int held, Instant oldestHeldAt) {
        static final Load NONE = new Load(0, 0, 0, null);

        Load plus(Load o) {
            Instant oldest = oldestHeldAt == null ? o.oldestHeldAt
                    : o.oldestHeldAt == null || oldestHeldAt.isBefore(o.oldestHeldAt) ? oldestHeldAt : o.oldestHeldAt;
            return new Load(concurrency + o.concurrency, invocations + o.invocations, held + o.held, oldest);
        }
    }
}
