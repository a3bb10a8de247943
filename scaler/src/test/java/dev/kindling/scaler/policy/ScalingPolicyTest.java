package dev.kindling.scaler.policy;

import static dev.kindling.scaler.policy.AdjustmentType.ChangeInCapacity;
import static dev.kindling.scaler.policy.AdjustmentType.ExactCapacity;
import static dev.kindling.scaler.policy.AdjustmentType.PercentChangeInCapacity;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The static validators of scaling policies as named rows: each invalid row must produce exactly one violation,
 * on the named field, whose rule holds the given text; a row with a null field must pass clean.
 */
class ScalingPolicyTest {

    private static final String STEPS = "stepScalingPolicyConfiguration.stepAdjustments";

    private static StepAdjustment step(Double lower, Double upper, int adjustment) {
        return new StepAdjustment(lower, upper, adjustment);
    }

    /** Contiguous steps [i, i+1) for i in 0..n-1, then [n, +inf): n+1 steps with neither gap nor overlap. */
    private static List<StepAdjustment> contiguous(int n) {
        List<StepAdjustment> out = new ArrayList<>(IntStream.range(0, n).mapToObj(i -> step((double) i, i + 1.0, 1)).toList());
        out.add(step((double) n, null, 2));
        return out;
    }

    static Stream<Arguments> cooldowns() {
        return Stream.of(
                Arguments.of("absent: the default applies", null, null, null),
                Arguments.of("zero", 0, null, null),
                Arguments.of("exactly one day", 86_400, null, null),
                Arguments.of("negative", -1, "cooldown", "must be between 0 and 86400 seconds"),
                Arguments.of("past one day", 86_401, "cooldown", "must be between 0 and 86400 seconds"),
                Arguments.of("most negative int", Integer.MIN_VALUE, "cooldown", "must be between 0 and 86400 seconds"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cooldowns")
    void validatesCooldowns(String label, Integer seconds, String field, String rule) {
        assertOnly(ScalingPolicy.validateCooldown("cooldown", seconds), field, rule);
    }

    static Stream<Arguments> targetValues() {
        String range = "must be greater than 0 and at most 1000000";
        return Stream.of(
                Arguments.of("whole", 4.0, null, null),
                Arguments.of("fractional", 0.5, null, null),
                Arguments.of("smallest positive double", Double.MIN_VALUE, null, null),
                Arguments.of("exactly the limit", 1_000_000.0, null, null),
                Arguments.of("missing", null, "targetValue", "is required"),
                Arguments.of("zero", 0.0, "targetValue", range),
                Arguments.of("negative zero", -0.0, "targetValue", range),
                Arguments.of("negative", -1.0, "targetValue", range),
                Arguments.of("just past the limit", 1_000_000.5, "targetValue", range),
                // NaN compares false with everything, so a naive "< 0" check would let it through.
                Arguments.of("NaN", Double.NaN, "targetValue", range),
                Arguments.of("positive infinity", Double.POSITIVE_INFINITY, "targetValue", range),
                Arguments.of("negative infinity", Double.NEGATIVE_INFINITY, "targetValue", range));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targetValues")
    void validatesTargetValues(String label, Double value, String field, String rule) {
        assertOnly(ScalingPolicy.validateTargetValue("targetValue", value), field, rule);
    }

    static Stream<Arguments> steps() {
        List<StepAdjustment> withNull = Arrays.asList(step(0.0, null, 1), null);
        return Stream.of(
                Arguments.of("one step open above", ChangeInCapacity, List.of(step(0.0, null, 1)), null, null, null),
                Arguments.of("unbounded on both sides", ChangeInCapacity, List.of(step(null, null, 2)), null, null, null),
                Arguments.of("scale-in and scale-out halves", ChangeInCapacity,
                        List.of(step(null, 0.0, -1), step(0.0, null, 1)), null, null, null),
                Arguments.of("contiguous steps in any order", ChangeInCapacity,
                        List.of(step(2.0, null, 3), step(null, 0.0, -1), step(0.0, 2.0, 1)), null, null, null),
                Arguments.of("exactly twenty steps", ChangeInCapacity, contiguous(19), null, null, null),
                Arguments.of("percent without a magnitude", PercentChangeInCapacity, List.of(step(0.0, null, 50)), null, null, null),
                Arguments.of("percent with the least magnitude", PercentChangeInCapacity, List.of(step(0.0, null, 50)), 1, null, null),
                Arguments.of("exact capacity of zero scales to zero", ExactCapacity, List.of(step(null, null, 0)), null, null, null),

                Arguments.of("empty list", ChangeInCapacity, List.of(), null, STEPS, "must hold at least one step adjustment"),
                Arguments.of("null list", ChangeInCapacity, null, null, STEPS, "must hold at least one step adjustment"),
                Arguments.of("twenty-one steps", ChangeInCapacity, contiguous(20), null, STEPS, "must hold at most 20 step adjustments"),
                Arguments.of("a null step", ChangeInCapacity, withNull, null, STEPS + "[1]", "must not be null"),
                Arguments.of("lower equals upper", ChangeInCapacity, List.of(step(2.0, 2.0, 1)), null,
                        STEPS + "[0].metricIntervalUpperBound", "must be greater than metricIntervalLowerBound"),
                Arguments.of("lower above upper", ChangeInCapacity, List.of(step(0.0, null, 1), step(3.0, 2.0, 1)), null,
                        STEPS + "[1].metricIntervalUpperBound", "must be greater than metricIntervalLowerBound"),
                Arguments.of("zero change in capacity", ChangeInCapacity, List.of(step(0.0, null, 0)), null,
                        STEPS + "[0].scalingAdjustment", "must not be 0"),
                Arguments.of("zero percent change", PercentChangeInCapacity, List.of(step(0.0, null, 0)), null,
                        STEPS + "[0].scalingAdjustment", "must not be 0"),
                Arguments.of("negative exact capacity", ExactCapacity, List.of(step(0.0, null, -1)), null,
                        STEPS + "[0].scalingAdjustment", "must be 0 or more for ExactCapacity"),
                Arguments.of("overlap", ChangeInCapacity, List.of(step(0.0, 3.0, 1), step(2.0, null, 2)), null,
                        STEPS, "intervals must not overlap: [0.0, 3.0) and [2.0, +inf)"),
                Arguments.of("two steps unbounded below overlap", ChangeInCapacity,
                        List.of(step(null, 0.0, -1), step(null, 1.0, -2), step(1.0, null, 1)), null,
                        STEPS, "intervals must not overlap: [-inf, 0.0) and [-inf, 1.0)"),
                // The outer step covers [3, 5): a gap there would be a false report sending the user to add a step.
                Arguments.of("a step nested in another overlaps and leaves no gap", ChangeInCapacity,
                        List.of(step(0.0, 10.0, 1), step(2.0, 3.0, 2), step(5.0, null, 3)), null,
                        STEPS, "intervals must not overlap: [0.0, 10.0) and [2.0, 3.0)"),
                Arguments.of("gap", ChangeInCapacity, List.of(step(0.0, 1.0, 1), step(2.0, null, 2)), null,
                        STEPS, "intervals must leave no gap: nothing covers [1.0, 2.0)"),
                Arguments.of("gap between scale-in and scale-out", ChangeInCapacity,
                        List.of(step(0.0, null, 1), step(null, -1.0, -1)), null,
                        STEPS, "intervals must leave no gap: nothing covers [-1.0, 0.0)"),
                Arguments.of("magnitude with change in capacity", ChangeInCapacity, List.of(step(0.0, null, 1)), 1,
                        "minAdjustmentMagnitude", "is only allowed with PercentChangeInCapacity"),
                Arguments.of("magnitude with exact capacity", ExactCapacity, List.of(step(0.0, null, 3)), 1,
                        "minAdjustmentMagnitude", "is only allowed with PercentChangeInCapacity"),
                Arguments.of("percent magnitude zero", PercentChangeInCapacity, List.of(step(0.0, null, 10)), 0,
                        "minAdjustmentMagnitude", "must be at least 1"),
                Arguments.of("percent magnitude negative", PercentChangeInCapacity, List.of(step(0.0, null, 10)), -2,
                        "minAdjustmentMagnitude", "must be at least 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void validatesStepAdjustments(String label, AdjustmentType type, List<StepAdjustment> steps, Integer magnitude,
                                  String field, String rule) {
        assertOnly(ScalingPolicy.validateSteps(STEPS, type, steps, magnitude), field, rule);
    }

    @Test
    void reportsEveryBrokenStepAtOnce() {
        // All per-step problems come back in one response; interval checks wait until each step is sound on its own.
        List<StepAdjustment> steps = List.of(step(2.0, 1.0, 0), step(5.0, null, 1), step(null, 0.0, 0));
        assertThat(ScalingPolicy.validateSteps(STEPS, ChangeInCapacity, steps, null))
                .extracting(PolicyViolation::field)
                .containsExactly(STEPS + "[0].metricIntervalUpperBound", STEPS + "[0].scalingAdjustment",
                        STEPS + "[2].scalingAdjustment");
    }

    @Test
    void stepScalingKeepsItsOwnCopyOfTheSteps() {
        // The policy is a value: changing the caller's list afterwards must not change the policy.
        List<StepAdjustment> steps = new ArrayList<>(List.of(step(0.0, null, 1)));
        var policy = new ScalingPolicy.StepScaling("p", MetricType.SageMakerInferenceComponentInvocationsPerCopy, 10,
                ChangeInCapacity, steps, 60, null);
        steps.add(step(null, 0.0, -1));
        assertThat(policy.stepAdjustments()).containsExactly(step(0.0, null, 1));
    }

    /**
     * Property: for random sound steps with small whole bounds, the validator finds an interval problem exactly when
     * a brute-force scan over the midpoints of whole numbers finds two steps covering one point or an uncovered
     * point between the lowest and highest bound; every gap it names is really uncovered. The message names the seed.
     */
    @Test
    void intervalChecksAgreeWithBruteForce() {
        Pattern gap = Pattern.compile("nothing covers \\[(\\S+), (\\S+)\\)");
        int withProblem = 0;
        for (long seed = 0; seed < 2_000; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            List<StepAdjustment> steps = new ArrayList<>();
            int n = 1 + r.nextInt(4);
            while (steps.size() < n) {
                Double lower = r.nextInt(4) == 0 ? null : (double) (r.nextInt(11) - 5);
                Double upper = r.nextInt(4) == 0 ? null : (double) (r.nextInt(11) - 5);
                StepAdjustment s = step(lower, upper, 1 + r.nextInt(3));
                if (s.lower() < s.upper()) {
                    steps.add(s);
                }
            }
            boolean overlap = false;
            boolean uncovered = false;
            double from = steps.stream().mapToDouble(StepAdjustment::lower).min().orElseThrow();
            double to = steps.stream().mapToDouble(StepAdjustment::upper).max().orElseThrow();
            for (double x = -6.5; x <= 6.5; x += 1) {
                long covering = covering(steps, x);
                overlap |= covering > 1;
                uncovered |= covering == 0 && x > from && x < to;
            }
            List<PolicyViolation> violations = ScalingPolicy.validateSteps(STEPS, ChangeInCapacity, steps, null);
            String context = "seed " + seed + ", steps " + steps + ", violations " + violations;
            assertThat(!violations.isEmpty()).as(context).isEqualTo(overlap || uncovered);
            assertThat(violations.stream().anyMatch(v -> v.rule().contains("overlap"))).as(context).isEqualTo(overlap);
            for (PolicyViolation v : violations) {
                Matcher m = gap.matcher(v.rule());
                if (m.find()) {
                    double a = parseBound(m.group(1));
                    double b = parseBound(m.group(2));
                    assertThat(a).as(context).isLessThan(b);
                    // Whole-number bounds: the midpoint of the named range's first unit interval is in it.
                    assertThat(covering(steps, Double.isInfinite(a) ? b - 0.5 : a + 0.5)).as(context).isZero();
                }
            }
            withProblem += violations.isEmpty() ? 0 : 1;
        }
        // Guards the generator: both sound and unsound step sets must come up often.
        assertThat(withProblem).isBetween(200, 1_800);
    }

    private static long covering(List<StepAdjustment> steps, double x) {
        return steps.stream().filter(s -> s.lower() <= x && x < s.upper()).count();
    }

    private static double parseBound(String b) {
        return b.equals("-inf") ? Double.NEGATIVE_INFINITY : b.equals("+inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b);
    }

    private static void assertOnly(List<PolicyViolation> violations, String field, String rule) {
        if (field == null) {
            assertThat(violations).isEmpty();
        } else {
            assertThat(violations).singleElement().satisfies(v -> {
                assertThat(v.field()).isEqualTo(field);
                assertThat(v.rule()).contains(rule);
            });
        }
    }
}
