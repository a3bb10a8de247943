package dev.kindling.api.reconcile;

import java.time.Duration;

/** The planner's time limits; see {@code kindling.reconciler.*}. */
public record ReconcileSettings(Duration heartbeatTimeout, Duration launchTimeout, Duration capacityWait,
                                Duration failedCopyRetryDelay) {}
