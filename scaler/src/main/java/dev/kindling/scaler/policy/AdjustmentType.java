package dev.kindling.scaler.policy;

/** How a step adjustment changes the copy count, as in Application Auto Scaling. */
public enum AdjustmentType {
    ChangeInCapacity,
    PercentChangeInCapacity,
    ExactCapacity
}
