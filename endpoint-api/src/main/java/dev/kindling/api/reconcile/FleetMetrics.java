package dev.kindling.api.reconcile;

import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Prometheus metrics of the fleet, refreshed from each reconcile snapshot: resources by status, pass durations,
 * and the actions passes applied.
 */
public final class FleetMetrics {

    private final MeterRegistry registry;
    private final Map<EndpointStatus, AtomicInteger> endpoints;
    private final Map<ComponentStatus, AtomicInteger> components;
    private final Map<InstanceStatus, AtomicInteger> instances;
    private final Map<CopyStatus, AtomicInteger> copies;
    private final Timer passes;

    public FleetMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.endpoints = gauges("kindling.endpoints", "Endpoints by status", EndpointStatus.class);
        this.components = gauges("kindling.inference.components", "Inference components by status", ComponentStatus.class);
        this.instances = gauges("kindling.instances", "Unterminated instances by status", InstanceStatus.class);
        this.copies = gauges("kindling.copies", "Model copies by status", CopyStatus.class);
        this.passes = Timer.builder("kindling.reconcile.duration").description("Time of one reconcile pass")
                .publishPercentileHistogram().register(registry);
    }

    private <E extends Enum<E>> Map<E, AtomicInteger> gauges(String name, String description, Class<E> type) {
        Map<E, AtomicInteger> map = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            AtomicInteger value = new AtomicInteger();
            registry.gauge(name, List.of(io.micrometer.core.instrument.Tag.of("status", e.name())), value);
            map.put(e, value);
        }
        return map;
    }

    void record(FleetSnapshot s, List<Action> actions, Duration took) {
        count(endpoints, s.endpoints(), Endpoint::status);
        count(components, s.components(), InferenceComponent::status);
        count(instances, s.instances(), Instance::status);
        count(copies, s.copies(), Copy::status);
        passes.record(took);
        for (Action a : actions) {
            Counter.builder("kindling.reconcile.actions").description("Actions applied by the reconciler")
                    .tag("action", a.getClass().getSimpleName()).register(registry).increment();
        }
    }

    private static <T, E extends Enum<E>> void count(Map<E, AtomicInteger> gauges, List<T> items, Function<T, E> status) {
        Map<E, Integer> counts = new java.util.HashMap<>();
        for (T t : items) counts.merge(status.apply(t), 1, Integer::sum);
        gauges.forEach((k, v) -> v.set(counts.getOrDefault(k, 0)));
    }
}
