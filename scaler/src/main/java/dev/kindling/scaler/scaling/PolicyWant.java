package dev.kindling.scaler.scaling;

import dev.kindling.scaler.metrics.LoadReadings;
import dev.kindling.scaler.policy.AdjustmentType;
import dev.kindling.scaler.policy.MetricType;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.policy.StepAdjustment;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The copy count one policy wants at one tick, already held within the bounds.
 *
 * @param votesOnScaleIn false for a target-tracking policy with disableScaleIn: it never asks for fewer copies and,
 *                       as in Application Auto Scaling, leaves the scale-in vote to the other policies
 * @param least          the fewest copies this policy takes without asking for more at once; a scale-in voted by
 *                       the others stops there, or it would bounce straight back out
 * @param heldBy         what holds this change back (a cooldown), or null
 */
record PolicyWant(ScalingPolicy policy, int copies, boolean votesOnScaleIn, int least, String heldBy, String reason) {

    /** A ratio this close above a whole number is taken as that number: 0.3 / 0.1 must want 3 copies, not 4. */
    private static final double ROUNDING_SLACK = 1e-9;
    private static final int MOST_COPIES = 1_000_000;

    /** What the copy scaler knows at this tick that every policy reads. */
    record Tick(int current, int ready, int floor, int ceiling, LoadReadings readings, ScalerState state,
                ScalerSettings settings, Instant now) {

        String nowPart() {
            return "(" + current + " now" + (ready < current ? ", " + ready + " ready" : "") + ")";
        }

        int clamp(int copies) {
            return Math.max(floor, Math.min(ceiling, copies));
        }

        /** ", held to maxCapacity 8" when the bounds changed what the policy asked for. */
        String bounded(int wanted) {
            if (wanted > ceiling) {
                return ", held to maxCapacity " + ceiling;
            }
            if (wanted < floor) {
                return ", held to " + floor + (floor == 1 ? " (only scale to zero goes below 1)" : " (minCapacity)");
            }
            return "";
        }
    }

    static PolicyWant of(ScalingPolicy policy, Tick t) {
        return switch (policy) {
            case ScalingPolicy.TargetTracking p -> targetTracking(p, t);
            case ScalingPolicy.StepScaling p -> step(p, t);
        };
    }

    /** Copies wanted at {@code ratio} load per copy: the next whole copy up. */
    static int copiesFor(double ratio) {
        if (!(ratio > 0)) {
            return 0;
        }
        return ratio >= MOST_COPIES ? MOST_COPIES : (int) Math.ceil(ratio - ROUNDING_SLACK);
    }

    static boolean tracksInvocations(MetricType type) {
        return type == MetricType.SageMakerInferenceComponentInvocationsPerCopy;
    }

    /** The burst-window copy count a target-tracking policy wants, unbounded (burst entry compares it raw). */
    static int burstCopies(ScalingPolicy.TargetTracking p, LoadReadings r) {
        double burst = tracksInvocations(p.metricType()) ? r.burstInvocationsPerMinute() : r.burstConcurrency();
        return copiesFor(burst / p.targetValue());
    }

    private static PolicyWant targetTracking(ScalingPolicy.TargetTracking p, Tick t) {
        boolean invocations = tracksInvocations(p.metricType());
        String unit = invocations ? "invocations per minute" : "concurrent requests";
        LoadReadings r = t.readings();
        double stable = invocations ? r.stableInvocationsPerMinute() : r.stableConcurrency();
        double burst = invocations ? r.burstInvocationsPerMinute() : r.burstConcurrency();
        double target = p.targetValue();
        int stableCopies = copiesFor(stable / target);
        int burstCopies = copiesFor(burst / target);
        String stableSays = "stable window " + num(stable) + " " + unit + " / target " + num(target) + " per copy wants "
                + copies(stableCopies);
        boolean votes = !p.disableScaleIn();

        if (t.state().burstMode()) {
            // Knative's panic mode: follow the larger window up at every tick, never down.
            int wanted = Math.max(t.current(), Math.max(burstCopies, stableCopies));
            String says = burstCopies >= stableCopies
                    ? "burst window " + num(burst) + " " + unit + " / target " + num(target) + " per copy wants " + copies(burstCopies)
                    : stableSays;
            return new PolicyWant(p, t.clamp(wanted), votes, t.clamp(wanted), null,
                    says + t.bounded(wanted) + " " + t.nowPart() + ": burst mode");
        }
        int least = t.clamp(stableCopies);
        if (stableCopies > t.current()) {
            int copies = least;
            String held = copies > t.current()
                    ? cooldown("scale-out", t.state().lastScaleOutAt(), p.scaleOutCooldownSeconds(), t.now()) : null;
            return new PolicyWant(p, copies, votes, least, held, stableSays + t.bounded(stableCopies) + " " + t.nowPart());
        }
        double tolerated = target * (1 - t.settings().scaleInTolerance());
        int inCopies = copiesFor(stable / tolerated);
        if (inCopies >= t.current()) {
            return new PolicyWant(p, t.current(), votes, least, null, stableSays + " " + t.nowPart());
        }
        String inSays = "stable window " + num(stable) + " " + unit + " / (target " + num(target) + " x "
                + num(1 - t.settings().scaleInTolerance()) + ") per copy wants " + copies(inCopies);
        if (!votes) {
            return new PolicyWant(p, t.current(), false, least, null, inSays + " " + t.nowPart()
                    + ": scale-in disabled by the policy");
        }
        int copies = t.clamp(inCopies);
        String held = copies < t.current()
                ? cooldown("scale-in", latest(t.state().lastScaleOutAt(), t.state().lastScaleInAt()),
                        p.scaleInCooldownSeconds(), t.now())
                : null;
        return new PolicyWant(p, copies, true, least, held, inSays + t.bounded(inCopies) + " " + t.nowPart());
    }

    private static PolicyWant step(ScalingPolicy.StepScaling p, Tick t) {
        boolean invocations = tracksInvocations(p.metricType());
        LoadReadings r = t.readings();
        int per = Math.max(t.current(), 1);
        double metric = (invocations ? r.stableInvocationsPerMinute() : r.highResolutionConcurrency()) / per;
        double distance = metric - p.threshold();
        String says = (invocations ? "stable window " + num(metric) + " invocations per minute per copy"
                : "high-resolution period " + num(metric) + " concurrent requests per copy")
                + " is " + num(distance) + " from threshold " + num(p.threshold());
        StepAdjustment step = p.stepAdjustments().stream()
                .filter(s -> s.lower() <= distance && distance < s.upper())
                .findFirst().orElse(null);
        if (step == null) {
            return new PolicyWant(p, t.current(), true, t.floor(), null, says + ": no step covers it " + t.nowPart());
        }
        int adjustment = step.scalingAdjustment();
        int wanted;
        String change;
        switch (p.adjustmentType()) {
            case ChangeInCapacity -> {
                wanted = t.current() + adjustment;
                change = "changes by " + signed(adjustment);
            }
            case PercentChangeInCapacity -> {
                int delta = percentOf(t.current(), adjustment);
                if (p.minAdjustmentMagnitude() != null && Math.abs(delta) < p.minAdjustmentMagnitude()) {
                    delta = Integer.signum(adjustment) * p.minAdjustmentMagnitude();
                }
                wanted = t.current() + delta;
                change = "changes by " + adjustment + "% = " + signed(delta);
            }
            case ExactCapacity -> {
                wanted = adjustment;
                change = "sets " + copies(adjustment);
            }
            default -> throw new IllegalStateException("unknown adjustment type " + p.adjustmentType());
        }
        int copies = t.clamp(wanted);
        String held = copies != t.current()
                ? cooldown("step", t.state().lastStepAt().get(p.policyName()), p.cooldownSeconds(), t.now()) : null;
        return new PolicyWant(p, copies, true, t.floor(), held, says + ": step " + interval(step) + " " + change + ": "
                + copies(wanted) + t.bounded(wanted) + " " + t.nowPart());
    }

    /** {@code percent}% of {@code current}, rounded away from zero: 10% of 3 copies is 1 copy, -50% of 3 is -2. */
    static int percentOf(int current, int percent) {
        long scaled = (long) current * percent;
        long whole = scaled / 100;
        if (scaled % 100 != 0) {
            whole += Long.signum(scaled);
        }
        return (int) Math.max(Integer.MIN_VALUE / 2, Math.min(Integer.MAX_VALUE / 2, whole));
    }

    /** "deferred: scale-out cooldown 60 s has 45 s left", or null when the cooldown is over. */
    static String cooldown(String what, Instant since, int seconds, Instant now) {
        if (since == null || seconds <= 0) {
            return null;
        }
        Instant end = since.plusSeconds(seconds);
        if (!now.isBefore(end)) {
            return null;
        }
        Duration left = Duration.between(now, end);
        long leftSeconds = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
        return "deferred: " + what + " cooldown " + seconds + " s has " + leftSeconds + " s left";
    }

    static Instant latest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String copies(int n) {
        return n + (n == 1 ? " copy" : " copies");
    }

    private static String signed(int n) {
        return (n >= 0 ? "+" : "") + n;
    }

    private static String interval(StepAdjustment s) {
        return "[" + (s.metricIntervalLowerBound() == null ? "-inf" : num(s.lower())) + ", "
                + (s.metricIntervalUpperBound() == null ? "+inf" : num(s.upper())) + ")";
    }
}
