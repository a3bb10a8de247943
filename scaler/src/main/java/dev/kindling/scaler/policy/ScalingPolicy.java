package dev.kindling.scaler.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A scaling policy attached to an inference component: target tracking or step scaling. */
public sealed interface ScalingPolicy {

    /** Longest cooldown accepted, one day. */
    int MAX_COOLDOWN_SECONDS = 86_400;

    String policyName();

    MetricType metricType();

    /**
     * Keep the metric near {@code targetValue} (for concurrency: requests in flight per copy). Cooldowns are the
     * least time between two scale-outs, and between two scale-ins. With {@code disableScaleIn} the policy only
     * adds copies.
     */
    record TargetTracking(
            String policyName,
            MetricType metricType,
            double targetValue,
            int scaleOutCooldownSeconds,
            int scaleInCooldownSeconds,
            boolean disableScaleIn) implements ScalingPolicy {}

    /**
     * Adjust by the step whose interval holds (metric - threshold). {@code cooldownSeconds} applies after each
     * adjustment; {@code minAdjustmentMagnitude} is the least change a percent adjustment makes.
     */
    record StepScaling(
            String policyName,
            MetricType metricType,
            double threshold,
            AdjustmentType adjustmentType,
            List<StepAdjustment> stepAdjustments,
            int cooldownSeconds,
            Integer minAdjustmentMagnitude) implements ScalingPolicy {

        public StepScaling {
            stepAdjustments = List.copyOf(stepAdjustments);
        }
    }

    static List<PolicyViolation> validateCooldown(String field, Integer seconds) {
        if (seconds != null && (seconds < 0 || seconds > MAX_COOLDOWN_SECONDS)) {
            return List.of(new PolicyViolation(field, "must be between 0 and " + MAX_COOLDOWN_SECONDS + " seconds"));
        }
        return List.of();
    }

    static List<PolicyViolation> validateTargetValue(String field, Double targetValue) {
        if (targetValue == null) {
            return List.of(new PolicyViolation(field, "is required"));
        }
        if (!(targetValue > 0) || targetValue > 1_000_000 || targetValue.isInfinite()) {
            return List.of(new PolicyViolation(field, "must be greater than 0 and at most 1000000"));
        }
        return List.of();
    }

    /**
     * Validates step adjustments as Application Auto Scaling does: at least one step, intervals that neither
     * overlap nor leave gaps, at most one unbounded side each, and a change that is not zero (but for
     * ExactCapacity, where the adjustment is the copy count and must be at least 0).
     */
    static List<PolicyViolation> validateSteps(String field, AdjustmentType type, List<StepAdjustment> steps,
                                               Integer minAdjustmentMagnitude) {
        List<PolicyViolation> out = new ArrayList<>();
        if (steps == null || steps.isEmpty()) {
            out.add(new PolicyViolation(field, "must hold at least one step adjustment"));
            return out;
        }
        if (steps.size() > 20) {
            out.add(new PolicyViolation(field, "must hold at most 20 step adjustments"));
        }
        for (int i = 0; i < steps.size(); i++) {
            StepAdjustment s = steps.get(i);
            String at = field + "[" + i + "]";
            if (s == null) {
                out.add(new PolicyViolation(at, "must not be null"));
                continue;
            }
            if (s.lower() >= s.upper()) {
                out.add(new PolicyViolation(at + ".metricIntervalUpperBound",
                        "must be greater than metricIntervalLowerBound"));
            }
            if (type == AdjustmentType.ExactCapacity ? s.scalingAdjustment() < 0 : s.scalingAdjustment() == 0) {
                out.add(new PolicyViolation(at + ".scalingAdjustment", type == AdjustmentType.ExactCapacity
                        ? "must be 0 or more for ExactCapacity" : "must not be 0"));
            }
        }
        if (!out.isEmpty() || steps.stream().anyMatch(java.util.Objects::isNull)) {
            return out;
        }
        List<StepAdjustment> sorted = steps.stream().sorted(Comparator.comparingDouble(StepAdjustment::lower)).toList();
        // Farthest upper bound of the steps so far: a step nested inside a wider one must not hide what it covers.
        double reach = sorted.get(0).upper();
        for (int i = 1; i < sorted.size(); i++) {
            double prevUpper = sorted.get(i - 1).upper();
            double lower = sorted.get(i).lower();
            if (prevUpper > lower) {
                out.add(new PolicyViolation(field, "intervals must not overlap: [" + bound(sorted.get(i - 1).lower())
                        + ", " + bound(prevUpper) + ") and [" + bound(lower) + ", " + bound(sorted.get(i).upper()) + ")"));
            } else if (reach < lower) {
                out.add(new PolicyViolation(field, "intervals must leave no gap: nothing covers ["
                        + bound(reach) + ", " + bound(lower) + ")"));
            }
            reach = Math.max(reach, sorted.get(i).upper());
        }
        if (minAdjustmentMagnitude != null) {
            if (type != AdjustmentType.PercentChangeInCapacity) {
                out.add(new PolicyViolation("minAdjustmentMagnitude", "is only allowed with PercentChangeInCapacity"));
            } else if (minAdjustmentMagnitude < 1) {
                out.add(new PolicyViolation("minAdjustmentMagnitude", "must be at least 1"));
            }
        }
        return out;
    }

    private static String bound(double v) {
        return Double.isInfinite(v) ? (v < 0 ? "-inf" : "+inf") : Double.toString(v);
    }
}
