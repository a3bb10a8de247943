package dev.kindling.api.router;

/**
 * Told when a request waits because its component has no copy in service, so a component scaled to zero scales
 * out. Called on the request's event-loop thread at most about once a second per component while requests wait:
 * an implementation must not block (record the wish and return).
 */
@FunctionalInterface
public interface CapacityDemand {

    void capacityWanted(String endpointName, String componentName);

    /** Wants nothing: the router's fallback when no bean is defined. */
    CapacityDemand NONE = (endpointName, componentName) -> { };
}
