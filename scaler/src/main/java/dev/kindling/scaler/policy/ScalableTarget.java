package dev.kindling.scaler.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A scalable target: the bounds within which the scaler may move an inference component's copy count.
 * A minimum of 0 allows scale to zero.
 */
public record ScalableTarget(int minCapacity, int maxCapacity, boolean scaleInSuspended, boolean scaleOutSuspended) {

    /** Largest copy count a target may allow; guards the fleet against a typo like 10000. */
    public static final int MAX_CAPACITY_LIMIT = 1000;

    public static List<PolicyViolation> validate(Integer minCapacity, Integer maxCapacity) {
        List<PolicyViolation> out = new ArrayList<>();
        if (minCapacity == null) {
            out.add(new PolicyViolation("minCapacity", "is required"));
        } else if (minCapacity < 0 || minCapacity > MAX_CAPACITY_LIMIT) {
            out.add(new PolicyViolation("minCapacity", "must be between 0 and " + MAX_CAPACITY_LIMIT));
        }
        if (maxCapacity == null) {
            out.add(new PolicyViolation("maxCapacity", "is required"));
        } else if (maxCapacity < 1 || maxCapacity > MAX_CAPACITY_LIMIT) {
            out.add(new PolicyViolation("maxCapacity", "must be between 1 and " + MAX_CAPACITY_LIMIT));
        }
        if (minCapacity != null && maxCapacity != null && out.isEmpty() && minCapacity > maxCapacity) {
            out.add(new PolicyViolation("maxCapacity", "must be greater than or equal to minCapacity"));
        }
        return out;
    }
}
