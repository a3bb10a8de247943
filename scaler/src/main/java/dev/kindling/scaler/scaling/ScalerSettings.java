package dev.kindling.scaler.scaling;

import dev.kindling.scaler.metrics.WindowSettings;
import java.time.Duration;

/**
 * Tuning of the copy scaler that policies do not carry.
 *
 * @param burstThreshold     burst mode starts when the burst window wants this many times the current copies
 *                           (knative's panic threshold, 200%)
 * @param scaleToZeroGrace   how long nothing may arrive or be in flight before a component with minCapacity 0
 *                           goes to zero copies
 * @param maxScaleInFraction the largest share of the copies one scale-in removes (always at least 1 copy)
 * @param scaleInTolerance   scale in only when the metric is below target by more than this share, so a steady
 *                           load never flaps between two counts
 * @param windows            the load windows' lengths; burst mode ends one stable window after the last burst
 */
public record ScalerSettings(
        double burstThreshold,
        Duration scaleToZeroGrace,
        double maxScaleInFraction,
        double scaleInTolerance,
        WindowSettings windows) {

    public static final ScalerSettings DEFAULTS =
            new ScalerSettings(2.0, Duration.ofSeconds(120), 0.5, 0.1, WindowSettings.DEFAULTS);

    public ScalerSettings {
        if (!(burstThreshold >= 1.1 && burstThreshold <= 10)) {
            throw new IllegalArgumentException("burstThreshold must be between 1.1 and 10, was " + burstThreshold);
        }
        if (scaleToZeroGrace == null || scaleToZeroGrace.getNano() != 0 || scaleToZeroGrace.getSeconds() < 1
                || scaleToZeroGrace.getSeconds() > 86_400) {
            throw new IllegalArgumentException("scaleToZeroGrace must be whole seconds between 1 and 86400, was "
                    + scaleToZeroGrace);
        }
        if (!(maxScaleInFraction > 0 && maxScaleInFraction <= 1)) {
            throw new IllegalArgumentException("maxScaleInFraction must be greater than 0 and at most 1, was "
                    + maxScaleInFraction);
        }
        if (!(scaleInTolerance >= 0 && scaleInTolerance <= 0.9)) {
            throw new IllegalArgumentException("scaleInTolerance must be between 0 and 0.9, was " + scaleInTolerance);
        }
        if (windows == null) {
            throw new IllegalArgumentException("windows must be set");
        }
    }

    /** The same settings with other window lengths. */
    public ScalerSettings withWindows(WindowSettings windows) {
        return new ScalerSettings(burstThreshold, scaleToZeroGrace, maxScaleInFraction, scaleInTolerance, windows);
    }
}
