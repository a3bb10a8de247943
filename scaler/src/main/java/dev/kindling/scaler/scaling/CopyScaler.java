package dev.kindling.scaler.scaling;

import static dev.kindling.scaler.scaling.PolicyWant.copies;
import static dev.kindling.scaler.scaling.PolicyWant.latest;
import static dev.kindling.scaler.scaling.PolicyWant.num;

import dev.kindling.scaler.metrics.LoadReadings;
import dev.kindling.scaler.policy.ScalableTarget;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.scaling.Decision.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The copy-count decision of one inference component: a pure function of its scaler state, its load readings, its
 * scalable target and policies, and the time. Knative's KPA split: windows aggregate elsewhere, this decides, and
 * an actuator applies the result.
 *
 * <p>The order of the rules: a count above maxCapacity comes down at once; zero copies scale from zero when a
 * request waits; an idle component with minCapacity 0 goes to zero after the grace; otherwise every policy names
 * the count it wants and the decision scales out to the largest, or in only when every voting policy wants fewer
 * (Application Auto Scaling's rule), with cooldowns, suspension, burst mode and the scale-in rate limit applied.
 * A count below minCapacity comes up at once whatever the policies say.
 */
public final class CopyScaler {

    private CopyScaler() {}

    public static Decision decide(ScalerState state, ScalingInput input, ScalableTarget target,
                                  List<ScalingPolicy> policies, ScalerSettings settings, Instant now) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(now, "now");
        int current = input.currentCopies();
        int min = target.minCapacity();
        int max = target.maxCapacity();
        LoadReadings readings = input.readings();

        ScalerState before = state.observedFrom(now);
        ScalerState s = updateBurst(before, input, policies, settings, now);
        boolean burst = before.burstMode() || s.burstMode();

        if (current > max) {
            // The user lowered the bound: the count follows at once, no cooldown, no rate limit.
            return new Decision(max, Kind.SCALE_IN, "above maxCapacity " + max + " (" + current + " now)",
                    s.scaledIn(now).pressure(null), null, null, s.burstMode());
        }
        if (current == 0) {
            return fromZero(s, input, target, policies, now);
        }
        Decision toZero = toZero(s, input, target, policies, settings, burst, now);
        if (toZero != null) {
            return toZero;
        }
        if (!readings.valid() || policies.isEmpty()) {
            String why = policies.isEmpty() ? "no scaling policy" : "no load data yet";
            if (current < min) {
                return new Decision(min, Kind.SCALE_OUT, "below minCapacity " + min + " (" + current + " now); " + why,
                        s.scaledOut(now).pressure(null), crossed(s, now), null, s.burstMode());
            }
            return none(current, why + " (" + current + " now)", s, null);
        }

        var tick = new PolicyWant.Tick(current, input.readyCopies(), Math.max(1, min), max, readings, s, settings, now);
        List<PolicyWant> wants = policies.stream().map(p -> PolicyWant.of(p, tick)).toList();
        List<PolicyWant> outs = wants.stream().filter(w -> w.copies() > current).toList();
        if (!outs.isEmpty() || current < min) {
            return scaleOut(s, current, target, wants, outs, now);
        }
        return scaleIn(s.pressure(null), current, target, wants, settings, burst, now);
    }

    /**
     * Burst mode starts when a target-tracking policy's burst window wants at least burstThreshold times the
     * current copies, and ends once that has not happened for a whole stable window (knative's panic mode).
     */
    private static ScalerState updateBurst(ScalerState s, ScalingInput input, List<ScalingPolicy> policies,
                                           ScalerSettings settings, Instant now) {
        int current = input.currentCopies();
        boolean exceeded = input.readings().valid() && current >= 1 && policies.stream()
                .filter(ScalingPolicy.TargetTracking.class::isInstance)
                .map(ScalingPolicy.TargetTracking.class::cast)
                .anyMatch(p -> PolicyWant.burstCopies(p, input.readings()) >= settings.burstThreshold() * current);
        if (exceeded) {
            return s.burstExceeded(now);
        }
        if (s.burstMode() && (s.lastBurstAt() == null || !s.lastBurstAt().plus(settings.windows().stable()).isAfter(now))) {
            return s.burstOver();
        }
        return s;
    }

    private static Decision fromZero(ScalerState s, ScalingInput input, ScalableTarget target,
                                     List<ScalingPolicy> policies, Instant now) {
        LoadReadings r = input.readings();
        // Load in the burst window counts only if it came after the last scale-in: the requests that a grace shorter
        // than the burst window still shows must not bring back the copy that scaling to zero just removed.
        boolean recentLoad = r.lastNonZeroAt() != null
                && (s.lastScaleInAt() == null || r.lastNonZeroAt().isAfter(s.lastScaleInAt()));
        boolean demand = input.heldRequests() > 0
                || (recentLoad && (r.burstConcurrency() > 0 || r.burstInvocationsPerMinute() > 0));
        String seen = input.heldRequests() > 0
                ? input.heldRequests() + " held request" + (input.heldRequests() == 1 ? "" : "s")
                : r.burstConcurrency() > 0 ? "burst window " + num(r.burstConcurrency()) + " concurrent requests"
                : "burst window " + num(r.burstInvocationsPerMinute()) + " invocations per minute";
        if (demand && !target.scaleOutSuspended()) {
            int burstCopies = policies.stream()
                    .filter(ScalingPolicy.TargetTracking.class::isInstance)
                    .mapToInt(p -> PolicyWant.burstCopies((ScalingPolicy.TargetTracking) p, r))
                    .max().orElse(0);
            int wanted = Math.max(1, Math.max(target.minCapacity(), burstCopies));
            int desired = Math.min(target.maxCapacity(), wanted);
            // A held request waits for this copy: no cooldown applies, and its latency starts when it arrived.
            Instant crossed = input.heldRequests() > 0 && input.oldestHeldAt() != null ? input.oldestHeldAt() : now;
            return new Decision(desired, Kind.SCALE_FROM_ZERO, seen + " at 0 copies: scale from zero to "
                    + copies(desired) + (wanted > desired ? ", held to maxCapacity " + desired : ""),
                    s.scaledOut(now).pressure(null), crossed, null, s.burstMode());
        }
        if (target.minCapacity() > 0) {
            return new Decision(target.minCapacity(), Kind.SCALE_OUT, "below minCapacity " + target.minCapacity()
                    + " (0 now)", s.scaledOut(now).pressure(null), crossed(s, now), null, s.burstMode());
        }
        if (demand) {
            return none(0, seen + " at 0 copies: scale-out suspended", s.pressure(crossed(s, now)), null);
        }
        return none(0, "nothing waiting or in flight at 0 copies", s.pressure(null), null);
    }

    /** Zero copies when minCapacity is 0 and nothing arrived or was in flight for the grace (knative's grace period). */
    private static Decision toZero(ScalerState s, ScalingInput input, ScalableTarget target,
                                   List<ScalingPolicy> policies, ScalerSettings settings, boolean burst, Instant now) {
        if (target.minCapacity() > 0 || policies.isEmpty() || target.scaleInSuspended() || burst
                || input.heldRequests() > 0 || policies.stream().anyMatch(CopyScaler::disablesScaleIn)) {
            return null;
        }
        Instant lastBusy = input.readings().lastNonZeroAt();
        // The busy second ends a second after it starts; a scale-out or this state's first tick restarts the clock.
        Instant idleSince = latest(lastBusy == null ? null : lastBusy.plusSeconds(1),
                latest(s.lastScaleOutAt(), s.observedSince()));
        Duration grace = settings.scaleToZeroGrace();
        if (idleSince.plus(grace).isAfter(now)) {
            return null;
        }
        String since = lastBusy == null ? "nothing seen since " + idleSince : "last load at " + lastBusy;
        return new Decision(0, Kind.SCALE_TO_ZERO, since + ", idle " + Duration.between(idleSince, now).getSeconds()
                + " s, scale-to-zero grace " + grace.getSeconds() + " s: scale to zero (" + input.currentCopies() + " now)",
                s.scaledIn(now).pressure(null), null, null, s.burstMode());
    }

    private static Decision scaleOut(ScalerState s, int current, ScalableTarget target, List<PolicyWant> wants,
                                     List<PolicyWant> outs, Instant now) {
        int min = target.minCapacity();
        Instant crossed = crossed(s, now);
        PolicyWant largest = outs.stream().max(Comparator.comparingInt(PolicyWant::copies)).orElse(null);
        PolicyWant best = target.scaleOutSuspended() ? null : outs.stream()
                .filter(w -> w.heldBy() == null)
                .max(Comparator.comparingInt(PolicyWant::copies)).orElse(null);
        int desired = Math.max(min, best == null ? current : best.copies());
        if (desired == current) {
            // Every policy that wants more is held back: the need stays recorded so latency counts from its start.
            String why = target.scaleOutSuspended() ? "scale-out suspended" : largest.heldBy();
            return none(current, prefix(largest, wants) + largest.reason() + ": " + why, s.pressure(crossed),
                    largest.policy().policyName());
        }
        ScalerState next = s.scaledOut(now).stepped(wants.stream()
                .filter(w -> w.copies() > current && w.heldBy() == null)
                .filter(w -> w.policy() instanceof ScalingPolicy.StepScaling)
                .map(w -> w.policy().policyName()).toList(), now);
        boolean met = largest == null || desired >= largest.copies();
        next = next.pressure(met ? null : crossed);
        // Below minCapacity every want is lifted to it; only a policy wanting more than that has a reason to tell.
        boolean policyDecided = best != null && (current >= min || best.copies() > min);
        String reason = policyDecided ? prefix(best, wants) + best.reason()
                : "below minCapacity " + min + " (" + current + " now)";
        return new Decision(desired, Kind.SCALE_OUT, reason, next, crossed,
                policyDecided ? best.policy().policyName() : null, next.burstMode());
    }

    private static Decision scaleIn(ScalerState s, int current, ScalableTarget target, List<PolicyWant> wants,
                                    ScalerSettings settings, boolean burst, Instant now) {
        List<PolicyWant> voters = wants.stream().filter(PolicyWant::votesOnScaleIn).toList();
        if (voters.isEmpty() || voters.stream().anyMatch(w -> w.copies() >= current)) {
            return none(current, reasons(wants), s, null);
        }
        PolicyWant largest = voters.stream().max(Comparator.comparingInt(PolicyWant::copies)).orElseThrow();
        String why = prefix(largest, wants) + largest.reason();
        if (burst) {
            return none(current, why + ": no scale-in in burst mode", s, largest.policy().policyName());
        }
        if (target.scaleInSuspended()) {
            return none(current, why + ": scale-in suspended", s, largest.policy().policyName());
        }
        PolicyWant held = voters.stream().filter(w -> w.heldBy() != null).findFirst().orElse(null);
        if (held != null) {
            return none(current, prefix(held, wants) + held.reason() + ": " + held.heldBy(), s, held.policy().policyName());
        }
        PolicyWant needs = wants.stream().max(Comparator.comparingInt(PolicyWant::least)).orElseThrow();
        if (needs.least() >= current) {
            return none(current, why + ": " + needs.policy().policyName() + " needs " + copies(needs.least()), s,
                    needs.policy().policyName());
        }
        int removable = Math.max(1, (int) Math.floor(current * settings.maxScaleInFraction()));
        int desired = Math.max(Math.max(largest.copies(), needs.least()), current - removable);
        if (desired == current - removable && desired > Math.max(largest.copies(), needs.least())) {
            why += ": at most " + copies(removable) + " removed at once, to " + desired;
        } else if (needs.least() > largest.copies()) {
            why += ": " + needs.policy().policyName() + " needs " + copies(needs.least());
        }
        ScalerState next = s.scaledIn(now).stepped(voters.stream()
                .filter(w -> w.policy() instanceof ScalingPolicy.StepScaling)
                .map(w -> w.policy().policyName()).toList(), now);
        return new Decision(desired, Kind.SCALE_IN, why, next, null, largest.policy().policyName(), next.burstMode());
    }

    private static boolean disablesScaleIn(ScalingPolicy p) {
        return p instanceof ScalingPolicy.TargetTracking t && t.disableScaleIn();
    }

    private static Instant crossed(ScalerState s, Instant now) {
        return s.pressureSince() != null ? s.pressureSince() : now;
    }

    private static Decision none(int current, String reason, ScalerState next, String policyName) {
        return new Decision(current, Kind.NONE, reason, next, null, policyName, next.burstMode());
    }

    /** Names the policy when several have a say, so the reason tells which one spoke. */
    private static String prefix(PolicyWant w, List<PolicyWant> wants) {
        return wants.size() > 1 ? w.policy().policyName() + ": " : "";
    }

    private static String reasons(List<PolicyWant> wants) {
        return wants.size() == 1 ? wants.get(0).reason()
                : wants.stream().map(w -> w.policy().policyName() + ": " + w.reason()).collect(Collectors.joining("; "));
    }
}
