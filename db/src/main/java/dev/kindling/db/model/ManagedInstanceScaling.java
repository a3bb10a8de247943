package dev.kindling.db.model;

/** Bounds within which the fleet may change a variant's instance count on its own. */
public record ManagedInstanceScaling(Status status, int minInstanceCount, int maxInstanceCount) {

    public enum Status { ENABLED, DISABLED }

    public boolean enabled() {
        return status == Status.ENABLED;
    }
}
