package dev.kindling.api.model;

import dev.kindling.api.scaling.ScaleOutTracker;
import dev.kindling.db.model.ScalingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A scaling event as the API shows it: the decision and its reason, when each phase of a scale-out was reached, how
 * long each phase took (seconds; null until both ends are known or when the phase does not apply), the cache tiers
 * that served the image and the model, and each copy's own phases.
 */
public record ScalingEventView(String eventId, String endpointName, String inferenceComponentName, String variantName,
                               String kind, String status, int fromCopyCount, int toCopyCount, String policyName,
                               boolean burst, String reason, Phases phases, Durations durations, String imageTier,
                               String modelTier, Instant completedAt, List<ScaleOutTracker.CopyPhases> copies) {

    public record Phases(Instant thresholdCrossedAt, Instant decidedAt, Instant instanceRequestedAt,
                         Instant instanceReadyAt, Instant imageReadyAt, Instant modelReadyAt,
                         Instant containerHealthyAt, Instant firstRequestAt) {}

    /**
     * detect: threshold crossed to decision; provision: instance requested to ready; image and model: from the later
     * of the decision and the instance being ready; container: from image and model ready to healthy; firstRequest:
     * healthy to the first request served; total: threshold crossed (or decision) to the first request served.
     */
    public record Durations(Double detectSeconds, Double provisionSeconds, Double imageSeconds, Double modelSeconds,
                            Double containerSeconds, Double firstRequestSeconds, Double totalSeconds) {}

    public static ScalingEventView of(ScalingEvent e) {
        return new ScalingEventView(e.id(), e.endpointName(), e.componentName(), e.variantName(), e.kind().name(),
                e.status().name(), e.fromCopies(), e.toCopies(), e.policyName(), e.burst(), e.reason(),
                new Phases(e.thresholdCrossedAt(), e.decidedAt(), e.instanceRequestedAt(), e.instanceReadyAt(),
                        e.imageReadyAt(), e.modelReadyAt(), e.containerHealthyAt(), e.firstRequestAt()),
                durations(e), e.imageTier(), e.modelTier(), e.completedAt(), ScaleOutTracker.readCopies(e.copiesJson()));
    }

    /** The phase durations of an event; shared with the metrics so both say the same. */
    public static Durations durations(ScalingEvent e) {
        Instant fetchFrom = later(e.decidedAt(), e.instanceReadyAt());
        Instant start = e.thresholdCrossedAt() != null ? e.thresholdCrossedAt() : e.decidedAt();
        return new Durations(seconds(e.thresholdCrossedAt(), e.decidedAt()),
                seconds(e.instanceRequestedAt(), e.instanceReadyAt()),
                seconds(fetchFrom, e.imageReadyAt()), seconds(fetchFrom, e.modelReadyAt()),
                seconds(later(e.imageReadyAt(), e.modelReadyAt()), e.containerHealthyAt()),
                seconds(e.containerHealthyAt(), e.firstRequestAt()), seconds(start, e.firstRequestAt()));
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isAfter(b) ? a : b;
    }

    /** Seconds from a to b, never negative (a warm copy's image can be ready before the decision it serves). */
    private static Double seconds(Instant a, Instant b) {
        if (a == null || b == null) return null;
        return Math.max(0, Duration.between(a, b).toNanos()) / 1e9;
    }
}
