package dev.kindling.scaler.scaling;

/**
 * The copy scaler's answer for one component at one tick.
 *
 * @param desiredCopies       the count to move to; equal to the current count when {@code kind} is NONE
 * @param reason              a sentence with the numbers that led here
 * @param next                the state to pass to the next tick
 * @param thresholdCrossedAt  for scale-outs: when the need was first seen (the start of scale-out latency); null
 *                            for the other kinds
 * @param policyName          the policy whose count was taken or held back; null when bounds or idleness decided
 * @param burst               whether the component is in burst mode after this tick
 */
public record Decision(
        int desiredCopies,
        Kind kind,
        String reason,
        ScalerState next,
        java.time.Instant thresholdCrossedAt,
        String policyName,
        boolean burst) {

    public enum Kind {
        NONE,
        SCALE_OUT,
        SCALE_IN,
        SCALE_FROM_ZERO,
        SCALE_TO_ZERO
    }
}
