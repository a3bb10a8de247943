package dev.kindling.db.model;

import java.time.Instant;

/**
 * One scaling decision the scaler applied to an inference component, and for a scale-out, how it went: when the
 * load crossed the target, when the scaler decided, when an instance was asked for and was ready, and when the new
 * copies had their image, their model, a healthy container and their first request served. Each phase time is when
 * the last of the event's copies (or instances) reached it; null until then, or when it does not apply.
 *
 * @param copiesJson the event's copies with their own phase times, as JSON (a list)
 */
public record ScalingEvent(
        String id,
        String endpointName,
        String componentName,
        String variantName,
        Kind kind,
        Status status,
        int fromCopies,
        int toCopies,
        String policyName,
        boolean burst,
        String reason,
        Instant thresholdCrossedAt,
        Instant decidedAt,
        Instant instanceRequestedAt,
        Instant instanceReadyAt,
        Instant imageReadyAt,
        Instant modelReadyAt,
        Instant containerHealthyAt,
        Instant firstRequestAt,
        Instant completedAt,
        String imageTier,
        String modelTier,
        String copiesJson) {

    public enum Kind {
        ScaleOut, ScaleIn, ScaleFromZero, ScaleToZero;

        /** Whether the event adds copies, and so is followed until they serve. */
        public boolean addsCopies() {
            return this == ScaleOut || this == ScaleFromZero;
        }
    }

    /**
     * InProgress while a scale-out's copies come up; Completed when they all served a request (a scale-in is
     * Completed at once); Superseded when a later scale-in took back copies it was still waiting for; Incomplete when
     * it gave up waiting.
     */
    public enum Status { InProgress, Completed, Superseded, Incomplete }

    /** How many copies the event adds. */
    public int added() {
        return Math.max(0, toCopies - fromCopies);
    }
}
