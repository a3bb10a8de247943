package dev.kindling.scaler.scaling;

import dev.kindling.scaler.metrics.LoadReadings;
import dev.kindling.scaler.policy.AdjustmentType;
import dev.kindling.scaler.policy.MetricType;
import dev.kindling.scaler.policy.ScalableTarget;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.policy.StepAdjustment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One row of a copy-scaler table: what the scaler is given at a tick, with defaults that make a quiet component
 * (1 copy, bounds 1..10, one target-tracking policy at 4 concurrent requests per copy with 60 s cooldowns, load
 * just seen). Rows change only what they are about.
 */
final class Given {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final MetricType CONCURRENCY = MetricType.SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution;
    static final MetricType INVOCATIONS = MetricType.SageMakerInferenceComponentInvocationsPerCopy;
    static final MetricType VARIANT_CONCURRENCY = MetricType.SageMakerVariantConcurrentRequestsPerModelHighResolution;

    ScalerState state = ScalerState.initial().observedFrom(NOW.minusSeconds(3600));
    int current = 1;
    Integer ready;
    int held;
    Instant oldestHeldAt;
    boolean valid = true;
    double stable;
    double burst;
    double highResolution;
    double stableInvocations;
    double burstInvocations;
    Instant lastNonZeroAt = NOW;
    ScalableTarget target = new ScalableTarget(1, 10, false, false);
    List<ScalingPolicy> policies = List.of(tt(4));
    ScalerSettings settings = ScalerSettings.DEFAULTS;

    static Given given() {
        return new Given();
    }

    static Instant ago(int seconds) {
        return NOW.minusSeconds(seconds);
    }

    static ScalingPolicy.TargetTracking tt(double target) {
        return new ScalingPolicy.TargetTracking("tt", CONCURRENCY, target, 60, 60, false);
    }

    static ScalingPolicy.TargetTracking tt(String name, MetricType metric, double target, int outCooldown, int inCooldown,
                                           boolean disableScaleIn) {
        return new ScalingPolicy.TargetTracking(name, metric, target, outCooldown, inCooldown, disableScaleIn);
    }

    static ScalingPolicy.StepScaling step(AdjustmentType type, double threshold, int cooldown, Integer magnitude,
                                          StepAdjustment... steps) {
        return step("step", CONCURRENCY, type, threshold, cooldown, magnitude, steps);
    }

    static ScalingPolicy.StepScaling step(String name, MetricType metric, AdjustmentType type, double threshold,
                                          int cooldown, Integer magnitude, StepAdjustment... steps) {
        return new ScalingPolicy.StepScaling(name, metric, threshold, type, Arrays.asList(steps), cooldown, magnitude);
    }

    static StepAdjustment at(Double lower, Double upper, int adjustment) {
        return new StepAdjustment(lower, upper, adjustment);
    }

    Given copies(int n) {
        current = n;
        return this;
    }

    Given ready(int n) {
        ready = n;
        return this;
    }

    /** The same concurrency in every window. */
    Given load(double concurrency) {
        stable = concurrency;
        burst = concurrency;
        highResolution = concurrency;
        return this;
    }

    Given stable(double v) {
        stable = v;
        return this;
    }

    Given burst(double v) {
        burst = v;
        return this;
    }

    Given highResolution(double v) {
        highResolution = v;
        return this;
    }

    Given invocationsPerMinute(double stablePerMinute, double burstPerMinute) {
        stableInvocations = stablePerMinute;
        burstInvocations = burstPerMinute;
        return this;
    }

    Given noData() {
        valid = false;
        return this;
    }

    Given lastLoad(Instant at) {
        lastNonZeroAt = at;
        return this;
    }

    Given held(int requests, Instant oldest) {
        held = requests;
        oldestHeldAt = oldest;
        return this;
    }

    Given bounds(int min, int max) {
        target = new ScalableTarget(min, max, target.scaleInSuspended(), target.scaleOutSuspended());
        return this;
    }

    Given scaleInSuspended() {
        target = new ScalableTarget(target.minCapacity(), target.maxCapacity(), true, target.scaleOutSuspended());
        return this;
    }

    Given scaleOutSuspended() {
        target = new ScalableTarget(target.minCapacity(), target.maxCapacity(), target.scaleInSuspended(), true);
        return this;
    }

    Given policies(ScalingPolicy... p) {
        policies = List.of(p);
        return this;
    }

    Given settings(UnaryOperator<ScalerSettings> change) {
        settings = change.apply(settings);
        return this;
    }

    Given state(UnaryOperator<ScalerState> change) {
        state = change.apply(state);
        return this;
    }

    /** State as a new leader restores it: only the cooldown clocks, nothing observed yet. */
    Given restored(Instant lastScaleOutAt, Instant lastScaleInAt) {
        state = ScalerState.restored(lastScaleOutAt, lastScaleInAt);
        return this;
    }

    Given inBurstSince(Instant since, Instant lastBurst) {
        return state(s -> new ScalerState(true, since, lastBurst, s.lastScaleOutAt(), s.lastScaleInAt(), s.lastStepAt(),
                s.pressureSince(), s.observedSince()));
    }

    Given lastScaleOut(Instant at) {
        return state(s -> new ScalerState(s.burstMode(), s.burstSince(), s.lastBurstAt(), at, s.lastScaleInAt(), s.lastStepAt(),
                s.pressureSince(), s.observedSince()));
    }

    Given lastScaleIn(Instant at) {
        return state(s -> new ScalerState(s.burstMode(), s.burstSince(), s.lastBurstAt(), s.lastScaleOutAt(), at, s.lastStepAt(),
                s.pressureSince(), s.observedSince()));
    }

    Given lastStep(String policy, Instant at) {
        return state(s -> new ScalerState(s.burstMode(), s.burstSince(), s.lastBurstAt(), s.lastScaleOutAt(), s.lastScaleInAt(),
                Map.of(policy, at), s.pressureSince(), s.observedSince()));
    }

    Given pressureSince(Instant at) {
        return state(s -> s.pressure(at));
    }

    LoadReadings readings() {
        return new LoadReadings(valid, stable, burst, highResolution, stableInvocations, burstInvocations, lastNonZeroAt);
    }

    ScalingInput input() {
        return new ScalingInput(current, ready == null ? current : ready, readings(), held, oldestHeldAt);
    }

    Decision decide() {
        return CopyScaler.decide(state, input(), target, policies, settings, NOW);
    }

    /** What a row expects: the count, the kind, text the reason must hold, and any further checks. */
    Expect expect(int desired, Decision.Kind kind, String reason) {
        return new Expect(this, desired, kind, reason, new ArrayList<>());
    }

    record Expect(Given given, int desired, Decision.Kind kind, String reason, List<Consumer<Decision>> checks) {

        Expect and(Consumer<Decision> check) {
            checks.add(check);
            return this;
        }

        @Override
        public String toString() {
            return kind + " to " + desired;
        }
    }
}
