package dev.kindling.api.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The router's Prometheus meters, registered once per component and per copy when they enter the routing table and
 * removed when they leave it, so the request path only increments what it already holds:
 * <ul>
 * <li>{@code kindling_invocations_total{endpoint,component}}: requests that arrived for a known component;</li>
 * <li>{@code kindling_invocation_errors_total{endpoint,component,status_class}}: of those, answers 4xx or 5xx (the
 *     model's own status when it answered);</li>
 * <li>{@code kindling_invocation_model_latency_seconds{endpoint,component,copy}}: from dispatch to the copy until its
 *     answer's last byte (histogram, buckets 1 ms to 60 s);</li>
 * <li>{@code kindling_invocation_overhead_latency_seconds{endpoint,component}}: time in Kindling minus model latency
 *     and minus time held waiting for a copy (histogram, buckets 0.1 ms to 1 s);</li>
 * <li>{@code kindling_invocation_no_capacity_total{endpoint,component,reason}}: refusals for want of capacity
 *     (queue_full, timeout, component_failed, connection_pool);</li>
 * <li>{@code kindling_copy_in_flight_requests{endpoint,component,copy}} and
 *     {@code kindling_held_requests{endpoint,component}}: gauges.</li>
 * </ul>
 */
final class InvocationMetrics {

    /**
     * Fixed buckets rather than Micrometer's percentile histogram (some 80 buckets over this range): model latency is
     * per copy, and the scrape must stay small with hundreds of copies. Overhead buckets resolve the 2 ms budget.
     */
    private static final Duration[] MODEL_BUCKETS = millis(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
            10_000, 30_000, 60_000);
    private static final Duration[] OVERHEAD_BUCKETS = millis(0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1_000);

    private static Duration[] millis(double... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) d[i] = Duration.ofNanos((long) (values[i] * 1_000_000));
        return d;
    }

    private final MeterRegistry registry;

    InvocationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    <T> ComponentMeters forComponent(String endpoint, String component, T heldSource, ToDoubleFunction<T> heldCount) {
        return new ComponentMeters(endpoint, component, heldSource, heldCount);
    }

    <T> CopyMeters forCopy(String endpoint, String component, String copy, T inFlightSource,
                           ToDoubleFunction<T> inFlightCount) {
        return new CopyMeters(endpoint, component, copy, inFlightSource, inFlightCount);
    }

    /** The meters of one component. */
    final class ComponentMeters {
        final Counter invocations;
        final Counter clientErrors;
        final Counter serverErrors;
        final Timer overhead;
        final Counter queueFull;
        final Counter heldTimeout;
        final Counter componentFailed;
        final Counter connectionPool;
        private final Meter held;

        <T> ComponentMeters(String endpoint, String component, T heldSource, ToDoubleFunction<T> heldCount) {
            Tags tags = Tags.of("endpoint", endpoint, "component", component);
            invocations = Counter.builder("kindling.invocations").description("Invocations that arrived for a component")
                    .tags(tags).register(registry);
            clientErrors = errors(tags, "4xx");
            serverErrors = errors(tags, "5xx");
            overhead = Timer.builder("kindling.invocation.overhead.latency")
                    .description("Time an invocation spent in Kindling, less model latency and time held for a copy")
                    .tags(tags).serviceLevelObjectives(OVERHEAD_BUCKETS).register(registry);
            queueFull = noCapacity(tags, RouterException.QUEUE_FULL);
            heldTimeout = noCapacity(tags, RouterException.HELD_TIMEOUT);
            componentFailed = noCapacity(tags, RouterException.COMPONENT_FAILED);
            connectionPool = noCapacity(tags, RouterException.CONNECTION_POOL);
            held = Gauge.builder("kindling.held.requests", heldSource, heldCount)
                    .description("Requests waiting for a copy of a component").tags(tags).strongReference(true)
                    .register(registry);
        }

        private Counter errors(Tags tags, String statusClass) {
            return Counter.builder("kindling.invocation.errors").description("Invocations answered 4xx or 5xx")
                    .tags(tags).tag("status_class", statusClass).register(registry);
        }

        private Counter noCapacity(Tags tags, String reason) {
            return Counter.builder("kindling.invocation.no.capacity")
                    .description("Invocations refused for want of capacity").tags(tags).tag("reason", reason)
                    .register(registry);
        }

        Counter noCapacity(String reason) {
            return switch (reason) {
                case RouterException.QUEUE_FULL -> queueFull;
                case RouterException.HELD_TIMEOUT -> heldTimeout;
                case RouterException.COMPONENT_FAILED -> componentFailed;
                case RouterException.CONNECTION_POOL -> connectionPool;
                default -> null;
            };
        }

        void remove() {
            for (Meter m : List.of(invocations, clientErrors, serverErrors, overhead, queueFull, heldTimeout,
                    componentFailed, connectionPool, held)) {
                registry.remove(m);
            }
        }
    }

    /** The meters of one copy. */
    final class CopyMeters {
        final Timer modelLatency;
        private final Meter inFlight;

        <T> CopyMeters(String endpoint, String component, String copy, T inFlightSource, ToDoubleFunction<T> inFlightCount) {
            Tags tags = Tags.of("endpoint", endpoint, "component", component, "copy", copy);
            modelLatency = Timer.builder("kindling.invocation.model.latency")
                    .description("Time from dispatch to a copy until the last byte of its answer").tags(tags)
                    .serviceLevelObjectives(MODEL_BUCKETS).register(registry);
            inFlight = Gauge.builder("kindling.copy.in.flight.requests", inFlightSource, inFlightCount)
                    .description("Requests a copy is serving").tags(tags).strongReference(true).register(registry);
        }

        void remove() {
            registry.remove(modelLatency);
            registry.remove(inFlight);
        }
    }
}
