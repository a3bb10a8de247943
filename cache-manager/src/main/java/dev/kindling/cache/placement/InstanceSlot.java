package dev.kindling.cache.placement;

import java.util.Map;

/**
 * An instance as placement sees it: its capacity, what its copies already hold, how many copies of each inference
 * component it runs, and what it holds on disk complete ({@code heldBytes}: image reference or model artifact URL to
 * the bytes it takes there), which makes it warm for copies that need those.
 */
public record InstanceSlot(String instanceId, Resources capacity, Resources allocated,
                           Map<String, Integer> copiesByComponent, Map<String, Long> heldBytes) {

    public InstanceSlot {
        copiesByComponent = Map.copyOf(copiesByComponent);
        heldBytes = heldBytes == null ? Map.of() : Map.copyOf(heldBytes);
    }

    /** An instance that holds nothing the placement knows of (a new one, or one whose agent does not say). */
    public InstanceSlot(String instanceId, Resources capacity, Resources allocated, Map<String, Integer> copiesByComponent) {
        this(instanceId, capacity, allocated, copiesByComponent, Map.of());
    }

    public Resources free() {
        return capacity.minusClamped(allocated);
    }

    int copiesOf(String component) {
        return copiesByComponent.getOrDefault(component, 0);
    }

    /** Bytes this instance already holds of what a copy needs: its image and its model, each complete or not at all. */
    public long warmBytesFor(CopyArtifacts artifacts) {
        return held(artifacts.image()) + held(artifacts.artifactUrl());
    }

    long held(String source) {
        return source == null ? 0 : heldBytes.getOrDefault(source, 0L);
    }
}
