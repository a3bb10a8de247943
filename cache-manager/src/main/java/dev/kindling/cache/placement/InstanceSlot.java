package dev.kindling.cache.placement;

import java.util.Map;

/**
 * An instance as placement sees it: its capacity, what its copies already hold, and how many copies of each
 * inference component it runs.
 */
public record InstanceSlot(String instanceId, Resources capacity, Resources allocated,
                           Map<String, Integer> copiesByComponent) {

    public InstanceSlot {
        copiesByComponent = Map.copyOf(copiesByComponent);
    }

    public Resources free() {
        return capacity.minusClamped(allocated);
    }

    int copiesOf(String component) {
        return copiesByComponent.getOrDefault(component, 0);
    }
}
