package dev.kindling.api.router;

import dev.kindling.db.model.ComponentRoute;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.CopyRoute;
import dev.kindling.db.model.RoutingStrategy;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A component in the routing table: its copies (replaced whole on each refresh), the requests it holds while it has
 * none, its load for the scaler, and its meters. Kept across refreshes, so in-flight counts and held requests
 * survive them.
 */
final class RoutedComponent {

    private static final Logger log = LoggerFactory.getLogger(RoutedComponent.class);
    private static final RoutedCopy[] NONE = new RoutedCopy[0];
    private static final long DEMAND_INTERVAL_NANOS = 1_000_000_000L;
    private static final long AVOID_REFUSING_COPY_NANOS = 5_000_000_000L;

    final String endpointName;
    final String componentName;
    final InvocationMetrics.ComponentMeters meters;
    private final InvocationMetrics metrics;
    private final LongSupplier nanos;
    private final Supplier<CapacityDemand> demand;
    private final HeldRequests held;
    private final LoadIntegral load;
    private volatile String variantName;
    private volatile ComponentStatus status;
    private volatile String failureReason;
    private volatile RoutingStrategy strategy;
    private volatile RoutedCopy[] copies = NONE;
    private volatile long lastDemandNanos;
    private volatile boolean demanded;

    RoutedComponent(ComponentRoute route, RouterSettings settings, InvocationMetrics metrics, Scheduler timer,
                    LongSupplier nanos, Supplier<CapacityDemand> demand) {
        this.endpointName = route.endpointName();
        this.componentName = route.componentName();
        this.metrics = metrics;
        this.nanos = nanos;
        this.demand = demand;
        this.load = new LoadIntegral(nanos.getAsLong());
        this.held = new HeldRequests(endpointName, componentName, settings.heldQueueSize(), settings.heldTimeout(), timer,
                nanos, () -> copies.length > 0, this::wantCapacity);
        this.meters = metrics.forComponent(endpointName, componentName, held, HeldRequests::size);
        update(route);
    }

    void update(ComponentRoute route) {
        variantName = route.variantName();
        status = route.status();
        failureReason = route.failureReason();
        strategy = route.routingStrategy();
    }

    /** Replaces the copies, keeping the state of those that stay; releases held requests if there is one now. */
    void replaceCopies(List<CopyRoute> routes) {
        RoutedCopy[] current = copies;
        if (sameCopies(current, routes)) {
            held.change(() -> { });
            return;
        }
        Map<String, RoutedCopy> kept = new HashMap<>();
        for (RoutedCopy c : current) kept.put(c.copyId, c);
        RoutedCopy[] next = new RoutedCopy[routes.size()];
        for (int i = 0; i < next.length; i++) {
            CopyRoute r = routes.get(i);
            RoutedCopy c = kept.get(r.copyId());
            if (c != null && c.modelServerUrl.equals(r.modelServerUrl())) {
                kept.remove(r.copyId());
            } else {
                c = new RoutedCopy(r.copyId(), r.modelServerUrl(), metrics, endpointName, componentName);
            }
            next[i] = c;
        }
        held.change(() -> copies = next);
        // A copy that left finishes its requests; only its meters go now, so none outlives it in the registry.
        kept.values().forEach(c -> c.meters.remove());
    }

    private static boolean sameCopies(RoutedCopy[] current, List<CopyRoute> routes) {
        if (current.length != routes.size()) return false;
        for (int i = 0; i < current.length; i++) {
            CopyRoute r = routes.get(i);
            if (!current[i].copyId.equals(r.copyId()) || !current[i].modelServerUrl.equals(r.modelServerUrl())) return false;
        }
        return true;
    }

    /** The component left the routing table: fails its held requests and removes its meters and its copies'. */
    void retire() {
        RoutedCopy[] last = copies;
        held.change(() -> copies = NONE);
        held.close(RouterException.componentRemoved(endpointName, componentName));
        for (RoutedCopy c : last) c.meters.remove();
        meters.remove();
    }

    /** The router stops: held requests get 503 and no request is held any more. */
    void shutDown() {
        held.close(RouterException.shuttingDown());
    }

    /** The router starts again after {@link #shutDown}. */
    void resume() {
        held.reopen();
    }

    /** A request arrived for this component. */
    void arrive(long nowNanos) {
        meters.invocations.increment();
        load.arrive(nowNanos);
    }

    /** A request of this component ended, however it ended. */
    void depart(long nowNanos) {
        load.depart(nowNanos);
    }

    /** A copy for the request, counted in flight there; null when the component has none now. */
    RoutedCopy take() {
        return CopyChoice.take(copies, strategy, ThreadLocalRandom.current(), nanos.getAsLong());
    }

    /**
     * {@code copy} refused a connection: requests avoid it for a while, since the reconciler takes a dead copy out
     * only after its instance misses heartbeats.
     */
    void refused(RoutedCopy copy) {
        copy.avoidUntil(nanos.getAsLong() + AVOID_REFUSING_COPY_NANOS);
    }

    /** Another copy than {@code refused}, counted in flight; null when there is none. */
    RoutedCopy takeOther(RoutedCopy refused) {
        return CopyChoice.takeOther(copies, refused, ThreadLocalRandom.current(), nanos.getAsLong());
    }

    /**
     * A copy for the request: at once when there is one, else after holding the request until one comes into
     * service ({@code onHeld} gets the nanoseconds it waited). A failed component without copies refuses at once.
     */
    Mono<RoutedCopy> acquire(long sinceNanos, HeldTime onHeld) {
        RoutedCopy c = take();
        if (c != null) return Mono.just(c);
        if (status == ComponentStatus.Failed) {
            return Mono.error(RouterException.componentFailed(endpointName, componentName, failureReason));
        }
        return held.hold(sinceNanos).then(Mono.defer(() -> {
            RoutedCopy released = take();
            if (released == null) return acquire(sinceNanos, onHeld); // the copy left again in between: hold on
            onHeld.waited(nanos.getAsLong() - sinceNanos);
            return Mono.just(released);
        }));
    }

    /** Receives how long a request was held. */
    @FunctionalInterface
    interface HeldTime {
        void waited(long nanos);
    }

    /** Asks for capacity when a request is held: the first time, then at most once a second. */
    private void wantCapacity() {
        long now = nanos.getAsLong();
        if (demanded && now - lastDemandNanos < DEMAND_INTERVAL_NANOS) return;
        demanded = true;
        lastDemandNanos = now;
        try {
            demand.get().capacityWanted(endpointName, componentName);
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("endpoint", endpointName).addKeyValue("component", componentName).setCause(e)
                    .log("Asking for capacity failed; asked again when the next request is held");
            demanded = false;
        }
    }

    /** This component's load since the previous drain, or null when it had none and has no copy or held request. */
    ComponentLoad drain(long nowNanos, Instant now) {
        LoadIntegral.Interval i = load.drain(nowNanos);
        int heldNow = held.size();
        if (i.arrivals() == 0 && i.concurrency() == 0 && i.inFlight() == 0 && heldNow == 0 && copies.length == 0) {
            return null;
        }
        long oldest = heldNow == 0 ? Long.MIN_VALUE : held.oldestSinceNanos();
        Instant oldestAt = oldest == Long.MIN_VALUE ? null : now.minusNanos(Math.max(0, nowNanos - oldest));
        return new ComponentLoad(endpointName, componentName, variantName, i.concurrency(), i.arrivals(), heldNow, oldestAt);
    }

    String variantName() {
        return variantName;
    }

    ComponentStatus status() {
        return status;
    }

    RoutingStrategy strategy() {
        return strategy;
    }

    RoutedCopy[] copies() {
        return copies;
    }

    int held() {
        return held.size();
    }
}
