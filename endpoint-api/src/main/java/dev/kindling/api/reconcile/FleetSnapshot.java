package dev.kindling.api.reconcile;

import dev.kindling.db.model.Copy;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the planner looks at: all endpoints with their configs, components, unterminated instances, copies,
 * and per endpoint the scale-in cooldown managed instance scaling waits before it releases an idle instance (the
 * longest of its components' policies; endpoints missing here use the planner's default).
 */
public record FleetSnapshot(List<Endpoint> endpoints, Map<String, EndpointConfig> configs,
                            List<InferenceComponent> components, List<Instance> instances, List<Copy> copies,
                            Map<String, Duration> scaleInCooldowns) {

    public FleetSnapshot {
        endpoints = List.copyOf(endpoints);
        configs = Map.copyOf(configs);
        components = List.copyOf(components);
        instances = List.copyOf(instances);
        copies = List.copyOf(copies);
        scaleInCooldowns = Map.copyOf(scaleInCooldowns);
    }

    public FleetSnapshot(List<Endpoint> endpoints, Map<String, EndpointConfig> configs,
                         List<InferenceComponent> components, List<Instance> instances, List<Copy> copies) {
        this(endpoints, configs, components, instances, copies, Map.of());
    }
}
