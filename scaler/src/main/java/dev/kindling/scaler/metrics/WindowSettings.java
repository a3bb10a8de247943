package dev.kindling.scaler.metrics;

import java.time.Duration;

/**
 * Lengths of a component's load windows: the stable window that target tracking follows, the short burst window
 * that catches a spike within seconds (knative's panic window), and the high-resolution period SageMaker publishes
 * per-copy concurrency at.
 */
public record WindowSettings(Duration stable, Duration burst, Duration highResolutionPeriod) {

    public static final WindowSettings DEFAULTS =
            new WindowSettings(Duration.ofSeconds(60), Duration.ofSeconds(6), Duration.ofSeconds(10));

    /** Longest window accepted: one hour. */
    public static final int MAX_SECONDS = 3600;

    public WindowSettings {
        check("stable", stable);
        check("burst", burst);
        check("highResolutionPeriod", highResolutionPeriod);
        if (burst.compareTo(stable) > 0) {
            throw new IllegalArgumentException("burst window (" + burst.getSeconds()
                    + " s) must not be longer than the stable window (" + stable.getSeconds() + " s)");
        }
    }

    private static void check(String name, Duration d) {
        if (d == null || d.getNano() != 0 || d.getSeconds() < 1 || d.getSeconds() > MAX_SECONDS) {
            throw new IllegalArgumentException(name + " window must be whole seconds between 1 and " + MAX_SECONDS
                    + " s, was " + d);
        }
    }
}
