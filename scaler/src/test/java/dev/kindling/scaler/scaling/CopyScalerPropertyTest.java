package dev.kindling.scaler.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.scaler.metrics.LoadReadings;
import dev.kindling.scaler.metrics.LoadWindows;
import dev.kindling.scaler.metrics.WindowSettings;
import dev.kindling.scaler.policy.AdjustmentType;
import dev.kindling.scaler.policy.MetricType;
import dev.kindling.scaler.policy.ScalableTarget;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.policy.StepAdjustment;
import dev.kindling.scaler.scaling.Decision.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Invariants of the copy scaler over random states, readings, targets, policies and settings, and a simulation of
 * constant load through real load windows that must settle without oscillating.
 */
class CopyScalerPropertyTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    /** Everything one decision takes. */
    record Tick(ScalerState state, ScalingInput input, ScalableTarget target, List<ScalingPolicy> policies,
                ScalerSettings settings) {

        Decision decide() {
            return CopyScaler.decide(state, input, target, policies, settings, NOW);
        }
    }

    @Property(tries = 3000, seed = "1123")
    void desiredStaysWithinTheBoundsAndTheKindSaysWhichWay(@ForAll("ticks") Tick tick) {
        Decision d = tick.decide();
        int current = tick.input().currentCopies();
        String context = d.reason();
        assertThat(d.desiredCopies()).as(context)
                .isBetween(tick.target().minCapacity(), tick.target().maxCapacity());
        switch (d.kind()) {
            case NONE -> assertThat(d.desiredCopies()).as(context).isEqualTo(current);
            case SCALE_OUT -> assertThat(d.desiredCopies()).as(context).isGreaterThan(current);
            case SCALE_FROM_ZERO -> assertThat(current).as(context).isZero();
            case SCALE_IN -> assertThat(d.desiredCopies()).as(context).isLessThan(current);
            case SCALE_TO_ZERO -> assertThat(d.desiredCopies()).as(context).isZero();
        }
        if (d.kind() == Kind.SCALE_FROM_ZERO) {
            assertThat(d.desiredCopies()).as(context).isPositive();
        }
        boolean out = d.kind() == Kind.SCALE_OUT || d.kind() == Kind.SCALE_FROM_ZERO;
        assertThat(d.thresholdCrossedAt() != null).as(context).isEqualTo(out);
        assertThat(d.burst()).isEqualTo(d.next().burstMode());
        assertThat(d.reason()).isNotBlank();
    }

    @Property(tries = 3000, seed = "1124")
    void neverScalesInWhileInBurstMode(@ForAll("ticks") Tick tick) {
        Decision d = tick.decide();
        // Only a count above maxCapacity may come down during a burst: the bound is the user's word.
        if (tick.input().currentCopies() <= tick.target().maxCapacity()
                && (tick.state().burstMode() || d.next().burstMode())) {
            assertThat(d.desiredCopies()).as(d.reason()).isGreaterThanOrEqualTo(tick.input().currentCopies());
        }
    }

    /** Constant load, target-tracking policies, the count applied at once: one direction at most, then a fixed point. */
    record ConstantLoad(double concurrency, long invocationsPerSecond, int min, int max, int start,
                        List<ScalingPolicy> policies) {}

    @Property(tries = 400, seed = "1125")
    void aConstantLoadSettlesWithoutOscillating(@ForAll("constantLoads") ConstantLoad load) {
        ScalableTarget target = new ScalableTarget(load.min(), load.max(), false, false);
        ScalerSettings settings = ScalerSettings.DEFAULTS;
        LoadWindows windows = new LoadWindows(settings.windows());
        ScalerState state = ScalerState.initial();
        int current = load.start();
        int lastDirection = 0;
        int directionChanges = 0;
        int lastChangeTick = -1;
        List<String> history = new ArrayList<>();
        int ticks = 1500;
        for (int t = 0; t < ticks; t++) {
            Instant now = NOW.plusSeconds(t);
            windows.record(now, load.concurrency(), load.invocationsPerSecond());
            ScalingInput input = new ScalingInput(current, current, windows.read(now), 0, null);
            Decision d = CopyScaler.decide(state, input, target, load.policies(), settings, now);
            int direction = Integer.signum(d.desiredCopies() - current);
            if (direction != 0) {
                history.add("t=" + t + " " + d.kind() + " " + current + "->" + d.desiredCopies() + ": " + d.reason());
                if (lastDirection != 0 && direction != lastDirection) {
                    directionChanges++;
                }
                lastDirection = direction;
                lastChangeTick = t;
            }
            current = d.desiredCopies();
            state = d.next();
        }
        assertThat(directionChanges).as(String.join("\n", history)).isLessThanOrEqualTo(1);
        // Scale-ins halve the count every cooldown (120 s at most here) after a grace and a stable window: all
        // settled well before the last 300 ticks.
        assertThat(lastChangeTick).as(String.join("\n", history)).isLessThan(ticks - 300);
    }

    // ---- generators ----

    @Provide
    Arbitrary<ConstantLoad> constantLoads() {
        Arbitrary<Double> concurrency = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0.0)),
                Tuple.of(6, Arbitraries.doubles().between(0, 120).ofScale(2)));
        Arbitrary<Long> invocations = Arbitraries.longs().between(0, 300);
        Arbitrary<ScalingPolicy> policy = Combinators.combine(
                        Arbitraries.of(MetricType.values()),
                        Arbitraries.doubles().between(0.5, 20).ofScale(1),
                        Arbitraries.integers().between(0, 120),
                        Arbitraries.integers().between(0, 120),
                        Arbitraries.integers().between(0, 3).map(i -> i == 0))
                .as((metric, target, out, in, disable) -> new ScalingPolicy.TargetTracking("p", metric,
                        metric == MetricType.SageMakerInferenceComponentInvocationsPerCopy ? target * 60 : target,
                        out, in, disable));
        Arbitrary<List<ScalingPolicy>> policies = policy.list().ofMinSize(1).ofMaxSize(2).map(CopyScalerPropertyTest::named);
        return Combinators.combine(concurrency, invocations, Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(1, 30), Arbitraries.integers().between(0, 100), policies)
                .as((c, i, min, span, start, p) -> {
                    int max = Math.max(1, min + span);
                    return new ConstantLoad(c, i, min, max, min + start % (max - min + 1), p);
                });
    }

    @Provide
    Arbitrary<Tick> ticks() {
        Arbitrary<ScalableTarget> target = Combinators.combine(
                        Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 15),
                        Arbitraries.integers().between(0, 4).map(i -> i == 0), Arbitraries.integers().between(0, 4).map(i -> i == 0))
                .as((min, span, in, out) -> new ScalableTarget(min, Math.max(1, min + span), in, out));
        Arbitrary<LoadReadings> readings = Combinators.combine(
                        Arbitraries.integers().between(0, 5).map(i -> i != 0),
                        load(), load(), load(), load().map(v -> v * 30), load().map(v -> v * 30),
                        maybeAgo(600))
                .as(LoadReadings::new);
        Arbitrary<ScalingInput> input = Combinators.combine(
                        Arbitraries.integers().between(0, 25), Arbitraries.integers().between(0, 25), readings,
                        Arbitraries.integers().between(0, 3), maybeAgo(30))
                .as((current, ready, r, held, oldest) -> new ScalingInput(current, ready, r, held, held > 0 ? oldest : null));
        return Combinators.combine(states(), input, target, policies(), settings()).as(Tick::new);
    }

    private static Arbitrary<Double> load() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0.0)),
                Tuple.of(4, Arbitraries.doubles().between(0, 200).ofScale(1)));
    }

    private static Arbitrary<Instant> maybeAgo(int seconds) {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just((Instant) null)),
                Tuple.of(4, Arbitraries.integers().between(0, seconds).map(NOW::minusSeconds)));
    }

    private static Arbitrary<ScalerState> states() {
        Arbitrary<Map<String, Instant>> steps = Combinators.combine(maybeAgo(300), maybeAgo(300))
                .as((a, b) -> {
                    Map<String, Instant> m = new HashMap<>();
                    if (a != null) {
                        m.put("p0", a);
                    }
                    if (b != null) {
                        m.put("p1", b);
                    }
                    return m;
                });
        return Combinators.combine(
                        Arbitraries.integers().between(0, 1).map(i -> i == 1),
                        Arbitraries.integers().between(0, 150).map(NOW::minusSeconds),
                        maybeAgo(600), maybeAgo(600), steps, maybeAgo(300), maybeAgo(600))
                .as((burst, lastBurst, out, in, s, pressure, observed) -> new ScalerState(burst, burst ? lastBurst : null,
                        burst ? lastBurst : null, out, in, s, pressure, observed));
    }

    private static Arbitrary<List<ScalingPolicy>> policies() {
        Arbitrary<ScalingPolicy> tt = Combinators.combine(
                        Arbitraries.of(MetricType.values()), Arbitraries.doubles().between(0.5, 50).ofScale(1),
                        Arbitraries.integers().between(0, 300), Arbitraries.integers().between(0, 300),
                        Arbitraries.integers().between(0, 3).map(i -> i == 0))
                .as((metric, target, out, in, disable) -> new ScalingPolicy.TargetTracking("p", metric, target, out, in, disable));
        Arbitrary<ScalingPolicy> step = Combinators.combine(
                        Arbitraries.of(MetricType.values()), Arbitraries.doubles().between(0, 50).ofScale(1),
                        Arbitraries.of(AdjustmentType.values()), Arbitraries.integers().between(1, 100),
                        Arbitraries.integers().between(1, 100), Arbitraries.integers().between(0, 300),
                        Arbitraries.integers().between(0, 3))
                .as((metric, threshold, type, up, down, cooldown, magnitude) -> {
                    List<StepAdjustment> steps = switch (type) {
                        case ExactCapacity -> List.of(new StepAdjustment(null, 0.0, down % 5), new StepAdjustment(0.0, null, up % 30));
                        default -> List.of(new StepAdjustment(null, 0.0, -down), new StepAdjustment(0.0, 5.0, up),
                                new StepAdjustment(5.0, null, up * 2));
                    };
                    Integer m = type == AdjustmentType.PercentChangeInCapacity && magnitude > 0 ? magnitude : null;
                    return new ScalingPolicy.StepScaling("p", metric, threshold, type, steps, cooldown, m);
                });
        return Arbitraries.oneOf(tt, step).list().ofMaxSize(3).map(CopyScalerPropertyTest::named);
    }

    private static Arbitrary<ScalerSettings> settings() {
        return Combinators.combine(
                        Arbitraries.doubles().between(1.1, 5).ofScale(2), Arbitraries.integers().between(1, 300),
                        Arbitraries.doubles().between(0.1, 1).ofScale(2), Arbitraries.doubles().between(0, 0.5).ofScale(2),
                        Arbitraries.integers().between(1, 120), Arbitraries.integers().between(1, 120), Arbitraries.integers().between(1, 30))
                .as((threshold, grace, fraction, tolerance, a, b, period) -> new ScalerSettings(threshold, Duration.ofSeconds(grace),
                        fraction, tolerance, new WindowSettings(Duration.ofSeconds(Math.max(a, b)), Duration.ofSeconds(Math.min(a, b)),
                        Duration.ofSeconds(period))));
    }

    /** Gives the policies the names p0, p1, ... so step cooldowns in generated states find them. */
    private static List<ScalingPolicy> named(List<ScalingPolicy> policies) {
        List<ScalingPolicy> out = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            String name = "p" + i;
            out.add(switch (policies.get(i)) {
                case ScalingPolicy.TargetTracking t -> new ScalingPolicy.TargetTracking(name, t.metricType(), t.targetValue(),
                        t.scaleOutCooldownSeconds(), t.scaleInCooldownSeconds(), t.disableScaleIn());
                case ScalingPolicy.StepScaling s -> new ScalingPolicy.StepScaling(name, s.metricType(), s.threshold(),
                        s.adjustmentType(), s.stepAdjustments(), s.cooldownSeconds(), s.minAdjustmentMagnitude());
            });
        }
        return out;
    }
}
