package dev.kindling.db.model;

/** One variant of an endpoint config: a group of instances of one type that hosts inference components. */
public record ProductionVariant(
        String variantName,
        String instanceType,
        int initialInstanceCount,
        RoutingStrategy routingStrategy,
        ManagedInstanceScaling managedInstanceScaling) {

    /** The instance count the fleet keeps: the initial count, within the managed bounds when those are on. */
    public int desiredInstanceCount() {
        if (managedInstanceScaling != null && managedInstanceScaling.enabled()) {
            return Math.clamp(initialInstanceCount, managedInstanceScaling.minInstanceCount(),
                    managedInstanceScaling.maxInstanceCount());
        }
        return initialInstanceCount;
    }
}
