package dev.kindling.scaler.policy;

/**
 * One step of a step-scaling policy: when the metric minus the threshold lies in [lower, upper), adjust by
 * {@code scalingAdjustment}. A null bound is unbounded on that side.
 */
public record StepAdjustment(Double metricIntervalLowerBound, Double metricIntervalUpperBound, int scalingAdjustment) {

    public double lower() {
        return metricIntervalLowerBound == null ? Double.NEGATIVE_INFINITY : metricIntervalLowerBound;
    }

    public double upper() {
        return metricIntervalUpperBound == null ? Double.POSITIVE_INFINITY : metricIntervalUpperBound;
    }
}
