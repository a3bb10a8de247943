package dev.kindling.scaler.scaling;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * What the copy scaler remembers about one component between ticks, as a value passed in and returned (knative
 * keeps the same in its autoscaler). Rebuildable: a new leader restores the cooldown clocks from stored scaling
 * events and starts the rest afresh.
 *
 * @param burstSince     when the current burst started; null out of burst mode
 * @param lastBurstAt    the last tick the burst threshold was exceeded
 * @param lastStepAt     per step-scaling policy name, its last step adjustment (the start of its cooldown)
 * @param pressureSince  the first tick of the current episode where the policies wanted more copies than there
 *                       were; null when they did not
 * @param observedSince  the first tick this state saw; scale to zero waits a whole grace after it, so a new leader
 *                       whose windows are still empty does not take idleness it never watched for granted
 */
public record ScalerState(
        boolean burstMode,
        Instant burstSince,
        Instant lastBurstAt,
        Instant lastScaleOutAt,
        Instant lastScaleInAt,
        Map<String, Instant> lastStepAt,
        Instant pressureSince,
        Instant observedSince) {

    public ScalerState {
        lastStepAt = lastStepAt == null ? Map.of() : Map.copyOf(lastStepAt);
    }

    public static ScalerState initial() {
        return new ScalerState(false, null, null, null, null, Map.of(), null, null);
    }

    /** State of a component whose last scale-out and scale-in are known from stored events (either may be null). */
    public static ScalerState restored(Instant lastScaleOutAt, Instant lastScaleInAt) {
        return new ScalerState(false, null, null, lastScaleOutAt, lastScaleInAt, Map.of(), null, null);
    }

    ScalerState observedFrom(Instant now) {
        return observedSince != null ? this
                : new ScalerState(burstMode, burstSince, lastBurstAt, lastScaleOutAt, lastScaleInAt, lastStepAt, pressureSince, now);
    }

    ScalerState burstExceeded(Instant now) {
        return new ScalerState(true, burstMode ? burstSince : now, now, lastScaleOutAt, lastScaleInAt, lastStepAt,
                pressureSince, observedSince);
    }

    ScalerState burstOver() {
        return new ScalerState(false, null, lastBurstAt, lastScaleOutAt, lastScaleInAt, lastStepAt, pressureSince, observedSince);
    }

    ScalerState scaledOut(Instant now) {
        return new ScalerState(burstMode, burstSince, lastBurstAt, now, lastScaleInAt, lastStepAt, pressureSince, observedSince);
    }

    ScalerState scaledIn(Instant now) {
        return new ScalerState(burstMode, burstSince, lastBurstAt, lastScaleOutAt, now, lastStepAt, pressureSince, observedSince);
    }

    ScalerState stepped(Iterable<String> policyNames, Instant now) {
        Map<String, Instant> steps = new HashMap<>(lastStepAt);
        policyNames.forEach(name -> steps.put(name, now));
        return new ScalerState(burstMode, burstSince, lastBurstAt, lastScaleOutAt, lastScaleInAt, steps, pressureSince, observedSince);
    }

    ScalerState pressure(Instant since) {
        return new ScalerState(burstMode, burstSince, lastBurstAt, lastScaleOutAt, lastScaleInAt, lastStepAt, since, observedSince);
    }
}
