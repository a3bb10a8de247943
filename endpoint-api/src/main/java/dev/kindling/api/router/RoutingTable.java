package dev.kindling.api.router;

import dev.kindling.db.model.ComponentRoute;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.CopyRoute;
import dev.kindling.db.model.RoutingSnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Which copies serve which component, in memory on every control-plane replica: rebuilt from PostgreSQL every
 * refresh interval and at once on {@link #refresh()}, so requests never wait on the database. Components and copies
 * keep their state (in-flight counts, held requests, meters) across rebuilds; what leaves the table loses its meters,
 * and a copy that leaves finishes the requests it has.
 */
public final class RoutingTable implements LoadSampler, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RoutingTable.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    /** An endpoint's components by name, and the one to use when a request names none (null unless exactly one). */
    record EndpointRoutes(Map<String, RoutedComponent> components, RoutedComponent only, List<String> names) {}

    private final Supplier<Mono<RoutingSnapshot>> reader;
    private final RouterSettings settings;
    private final InvocationMetrics metrics;
    private final Scheduler timer;
    private final LongSupplier nanos;
    private final Supplier<CapacityDemand> demand;
    private final Sinks.Empty<Void> firstLoad = Sinks.empty();
    private final Object applying = new Object();
    private volatile Map<String, EndpointRoutes> endpoints = Map.of();
    private volatile Map<String, RoutedComponent> components = Map.of();
    private volatile boolean loaded;

    // The refresh machinery: one read at a time; refresh() calls during a read get the next one.
    private boolean reading;
    private List<Sinks.Empty<Void>> waiting = new ArrayList<>();
    private int failuresInARow;
    private volatile Disposable ticker;
    private volatile Scheduler tickScheduler;

    /**
     * @param reader the one database read (see {@code RouteStore#read})
     * @param timer runs held requests' timeouts
     * @param nanos the monotonic clock ({@code System::nanoTime})
     * @param demand where held requests ask for capacity (looked up when needed, so it may depend on this table)
     */
    public RoutingTable(Supplier<Mono<RoutingSnapshot>> reader, RouterSettings settings, MeterRegistry registry,
                        Scheduler timer, LongSupplier nanos, Supplier<CapacityDemand> demand) {
        this.reader = reader;
        this.settings = settings;
        this.metrics = new InvocationMetrics(registry);
        this.timer = timer;
        this.nanos = nanos;
        this.demand = demand;
    }

    /**
     * Reads the table again now (after the read in progress, if any). Starts at once whether or not the result is
     * subscribed to; the Mono completes when a read that began after this call has been applied, and fails if it
     * failed.
     */
    public Mono<Void> refresh() {
        Sinks.Empty<Void> done = Sinks.empty();
        boolean start;
        synchronized (this) {
            waiting.add(done);
            start = !reading;
            reading = true;
        }
        if (start) read();
        return done.asMono();
    }

    /** The periodic read: skipped while one is in progress. */
    private void tick() {
        synchronized (this) {
            if (reading) return;
            reading = true;
        }
        read();
    }

    private void read() {
        List<Sinks.Empty<Void>> mine;
        synchronized (this) {
            mine = waiting;
            waiting = new ArrayList<>();
        }
        Mono.defer(reader).timeout(READ_TIMEOUT).doOnNext(this::apply).then().subscribe(null,
                e -> {
                    readFailed(e);
                    mine.forEach(s -> s.tryEmitError(e));
                    readDone();
                },
                () -> {
                    readSucceeded();
                    mine.forEach(Sinks.Empty::tryEmitEmpty);
                    readDone();
                });
    }

    private void readDone() {
        boolean again;
        synchronized (this) {
            again = !waiting.isEmpty();
            reading = again;
        }
        if (again) read();
    }

    private void readSucceeded() {
        int failures;
        synchronized (this) {
            failures = failuresInARow;
            failuresInARow = 0;
        }
        if (failures > 0) log.info("The routing table is read again after {} failed reads", failures);
    }

    private void readFailed(Throwable e) {
        int failures;
        synchronized (this) {
            failures = ++failuresInARow;
        }
        // Routing goes on with the table last read; say so once, then now and then.
        if (failures == 1) {
            log.warn("Reading the routing table failed; routing with the last one read: {}", e.toString());
        } else if (failures % 100 == 0) {
            log.warn("Reading the routing table keeps failing ({} in a row): {}", failures, e.toString());
        }
    }

    /** Makes the table what {@code snapshot} says. */
    void apply(RoutingSnapshot snapshot) {
        synchronized (applying) {
            applyLocked(snapshot);
        }
    }

    private void applyLocked(RoutingSnapshot snapshot) {
        Map<String, RoutedComponent> before = components;
        Map<String, List<CopyRoute>> copies = new HashMap<>();
        for (CopyRoute c : snapshot.copies()) {
            copies.computeIfAbsent(c.componentName(), k -> new ArrayList<>()).add(c);
        }
        Map<String, RoutedComponent> after = new HashMap<>();
        Map<String, Map<String, RoutedComponent>> byEndpoint = new HashMap<>();
        for (String e : snapshot.endpointNames()) byEndpoint.put(e, new HashMap<>());
        for (ComponentRoute r : snapshot.components()) {
            RoutedComponent c = before.get(r.componentName());
            if (c == null || !c.endpointName.equals(r.endpointName())) {
                c = new RoutedComponent(r, settings, metrics, timer, nanos, demand);
            } else {
                c.update(r);
            }
            c.replaceCopies(copies.getOrDefault(r.componentName(), List.of()));
            after.put(r.componentName(), c);
            byEndpoint.computeIfAbsent(r.endpointName(), k -> new HashMap<>()).put(r.componentName(), c);
        }
        Map<String, EndpointRoutes> routes = new HashMap<>();
        byEndpoint.forEach((name, cs) -> routes.put(name, new EndpointRoutes(Map.copyOf(cs),
                cs.size() == 1 ? cs.values().iterator().next() : null, cs.keySet().stream().sorted().toList())));
        endpoints = Map.copyOf(routes);
        components = Map.copyOf(after);
        before.forEach((name, c) -> {
            if (after.get(name) != c) c.retire();
        });
        if (!loaded) {
            loaded = true;
            firstLoad.tryEmitEmpty();
        }
    }

    boolean loaded() {
        return loaded;
    }

    /** Completes when the table was read once; fails with 503 if that takes longer than {@code wait}. */
    Mono<Void> whenLoaded(Duration wait) {
        return firstLoad.asMono().timeout(wait, Mono.error(() -> RouterException.notLoaded(wait)));
    }

    /**
     * The component a request is for: the one it names, or the endpoint's only one when it names none.
     *
     * @param header the request header that names a component, for the error that asks for it
     */
    RoutedComponent resolve(String endpointName, String componentName, String header) {
        EndpointRoutes e = endpoints.get(endpointName);
        if (e == null) throw RouterException.endpointNotFound(endpointName);
        RoutedComponent c;
        if (componentName == null || componentName.isEmpty()) {
            c = e.only();
            if (c == null) throw RouterException.componentRequired(endpointName, header, e.names());
        } else {
            c = e.components().get(componentName);
            if (c == null) throw RouterException.componentNotFound(endpointName, componentName);
        }
        if (c.status() == ComponentStatus.Deleting) throw RouterException.componentDeleting(endpointName, c.componentName);
        return c;
    }

    /** The component called {@code name}, or null: for tests and diagnostics. */
    RoutedComponent component(String name) {
        return components.get(name);
    }

    @Override
    public List<ComponentLoad> drain(Instant now) {
        long nowNanos = nanos.getAsLong();
        List<ComponentLoad> loads = new ArrayList<>();
        for (RoutedComponent c : components.values()) {
            ComponentLoad l = c.drain(nowNanos, now);
            if (l != null) loads.add(l);
        }
        return loads;
    }

    /** Starts the periodic reads, the first one at once; after a {@link #stop}, holds requests again. */
    @Override
    public void start() {
        for (RoutedComponent c : components.values()) c.resume();
        Scheduler s = Schedulers.newSingle("kindling-routes", true);
        tickScheduler = s;
        long interval = settings.refreshInterval().toNanos();
        ticker = s.schedulePeriodically(this::tick, 0, interval, TimeUnit.NANOSECONDS);
    }

    /**
     * Stops the periodic reads and answers held requests (and any held later) with 503, so they neither hold up the
     * web server's graceful shutdown, which comes after, nor get cut off by it.
     */
    @Override
    public void stop() {
        Disposable t = ticker;
        if (t != null) t.dispose();
        Scheduler s = tickScheduler;
        if (s != null) s.dispose();
        ticker = null;
        tickScheduler = null;
        for (RoutedComponent c : components.values()) c.shutDown();
    }

    @Override
    public boolean isRunning() {
        return ticker != null;
    }
}
