package dev.kindling.api.reconcile;

/** Wakes the reconciler because desired or observed state changed. */
@FunctionalInterface
public interface ReconcileTrigger {
    void kick();
}
