package dev.kindling.api.reconcile;

import dev.kindling.db.model.Copy;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import java.util.List;
import java.util.Map;

/** Everything the planner looks at: all endpoints with their configs, components, unterminated instances, copies. */
public record FleetSnapshot(List<Endpoint> endpoints, Map<String, EndpointConfig> configs,
                            List<InferenceComponent> components, List<Instance> instances, List<Copy> copies) {

    public FleetSnapshot {
        endpoints = List.copyOf(endpoints);
        configs = Map.copyOf(configs);
        components = List.copyOf(components);
        instances = List.copyOf(instances);
        copies = List.copyOf(copies);
    }
}
