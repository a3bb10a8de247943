package dev.kindling.scaler.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The scaling rules as named rows: each invalid input names its field and rule; valid inputs pass clean. */
class PolicyValidationTest {

    private static StepAdjustment step(Double lower, Double upper, int adjustment) {
        return new StepAdjustment(lower, upper, adjustment);
    }

    static Stream<Arguments> targets() {
        return Stream.of(
                Arguments.of("valid bounds", 1, 4, null, null),
                Arguments.of("scale to zero allowed", 0, 1, null, null),
                Arguments.of("equal bounds allowed", 3, 3, null, null),
                Arguments.of("min missing", null, 4, "minCapacity", "is required"),
                Arguments.of("max missing", 1, null, "maxCapacity", "is required"),
                Arguments.of("min negative", -1, 4, "minCapacity", "between 0 and 1000"),
                Arguments.of("max zero", 0, 0, "maxCapacity", "between 1 and 1000"),
                Arguments.of("max past the limit", 1, 1001, "maxCapacity", "between 1 and 1000"),
                Arguments.of("min above max", 5, 2, "maxCapacity", "greater than or equal to minCapacity"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void scalableTargets(String label, Integer min, Integer max, String field, String rule) {
        assertViolation(ScalableTarget.validate(min, max), field, rule);
    }

    static Stream<Arguments> values() {
        return Stream.of(
                Arguments.of("target value valid", ScalingPolicy.validateTargetValue("t", 4.0), null, null),
                Arguments.of("target value fractional", ScalingPolicy.validateTargetValue("t", 0.5), null, null),
                Arguments.of("target value missing", ScalingPolicy.validateTargetValue("t", null), "t", "is required"),
                Arguments.of("target value zero", ScalingPolicy.validateTargetValue("t", 0.0), "t", "greater than 0"),
                Arguments.of("target value NaN", ScalingPolicy.validateTargetValue("t", Double.NaN), "t", "greater than 0"),
                Arguments.of("target value too large", ScalingPolicy.validateTargetValue("t", 2e6), "t", "at most 1000000"),
                Arguments.of("cooldown absent", ScalingPolicy.validateCooldown("c", null), null, null),
                Arguments.of("cooldown zero", ScalingPolicy.validateCooldown("c", 0), null, null),
                Arguments.of("cooldown one day", ScalingPolicy.validateCooldown("c", 86_400), null, null),
                Arguments.of("cooldown negative", ScalingPolicy.validateCooldown("c", -1), "c", "between 0 and 86400"),
                Arguments.of("cooldown past a day", ScalingPolicy.validateCooldown("c", 86_401), "c", "between 0 and 86400"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void targetValuesAndCooldowns(String label, List<PolicyViolation> violations, String field, String rule) {
        assertViolation(violations, field, rule);
    }

    static Stream<Arguments> steps() {
        AdjustmentType change = AdjustmentType.ChangeInCapacity;
        List<StepAdjustment> twentyOne = IntStream.range(0, 21).mapToObj(i -> step((double) i, i + 1.0, 1)).toList();
        List<StepAdjustment> withNull = new ArrayList<>(Arrays.asList(step(0.0, null, 1), null));
        return Stream.of(
                Arguments.of("one open step", change, List.of(step(0.0, null, 1)), null, null, null),
                Arguments.of("unbounded on both sides", change, List.of(step(null, null, 2)), null, null, null),
                Arguments.of("scale-in and scale-out halves", change, List.of(step(null, 0.0, -1), step(0.0, null, 1)), null, null, null),
                Arguments.of("contiguous steps in any order", change, List.of(step(2.0, null, 3), step(0.0, 2.0, 1)), null, null, null),
                Arguments.of("percent with a magnitude", AdjustmentType.PercentChangeInCapacity, List.of(step(0.0, null, 50)), 2, null, null),
                Arguments.of("exact capacity of zero", AdjustmentType.ExactCapacity, List.of(step(null, null, 0)), null, null, null),
                Arguments.of("no steps", change, List.of(), null, "s", "at least one"),
                Arguments.of("null steps", change, null, null, "s", "at least one"),
                Arguments.of("more than twenty", change, twentyOne, null, "s", "at most 20"),
                Arguments.of("a null step", change, withNull, null, "s[1]", "must not be null"),
                Arguments.of("lower not below upper", change, List.of(step(2.0, 2.0, 1)), null, "s[0].metricIntervalUpperBound", "greater than"),
                Arguments.of("zero change", change, List.of(step(0.0, null, 0)), null, "s[0].scalingAdjustment", "must not be 0"),
                Arguments.of("negative exact capacity", AdjustmentType.ExactCapacity, List.of(step(0.0, null, -1)), null, "s[0].scalingAdjustment", "0 or more"),
                Arguments.of("overlap", change, List.of(step(0.0, 3.0, 1), step(2.0, null, 2)), null, "s", "must not overlap"),
                Arguments.of("gap", change, List.of(step(0.0, 1.0, 1), step(2.0, null, 2)), null, "s", "no gap"),
                Arguments.of("magnitude with change in capacity", change, List.of(step(0.0, null, 1)), 1, "minAdjustmentMagnitude", "only allowed with PercentChangeInCapacity"),
                Arguments.of("magnitude zero", AdjustmentType.PercentChangeInCapacity, List.of(step(0.0, null, 10)), 0, "minAdjustmentMagnitude", "at least 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void stepAdjustments(String label, AdjustmentType type, List<StepAdjustment> steps, Integer magnitude, String field,
                         String rule) {
        assertViolation(ScalingPolicy.validateSteps("s", type, steps, magnitude), field, rule);
    }

    private static void assertViolation(List<PolicyViolation> violations, String field, String rule) {
        if (field == null) {
            assertThat(violations).isEmpty();
        } else {
            assertThat(violations).anySatisfy(v -> {
                assertThat(v.field()).isEqualTo(field);
                assertThat(v.rule()).contains(rule);
            });
        }
    }
}
