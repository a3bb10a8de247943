package dev.kindling.api.reconcile;

import java.time.Duration;

/**
 * The planner's time limits; see {@code kindling.reconciler.*}. {@code defaultInstanceScaleInCooldown} is how long
 * managed instance scaling keeps an idle instance when no scaling policy of its endpoint names a scale-in cooldown.
 */
public record ReconcileSettings(Duration heartbeatTimeout, Duration launchTimeout, Duration capacityWait,
                                Duration failedCopyRetryDelay, Duration defaultInstanceScaleInCooldown) {

    public ReconcileSettings(Duration heartbeatTimeout, Duration launchTimeout, Duration capacityWait,
                             Duration failedCopyRetryDelay) {
        this(heartbeatTimeout, launchTimeout, capacityWait, failedCopyRetryDelay, Duration.ofSeconds(300));
    }
}
