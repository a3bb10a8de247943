package dev.kindling.scaler.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The capacity bounds of a scalable target, one row per rule; a null field means the row must pass clean. */
class ScalableTargetTest {

    static Stream<Arguments> bounds() {
        return Stream.of(
                Arguments.of("valid bounds", 1, 4, null, null),
                Arguments.of("scale to zero allowed", 0, 1, null, null),
                Arguments.of("equal bounds allowed", 3, 3, null, null),
                Arguments.of("both at the limit", 1000, 1000, null, null),
                Arguments.of("min missing", null, 4, "minCapacity", "is required"),
                Arguments.of("max missing", 1, null, "maxCapacity", "is required"),
                Arguments.of("min negative", -1, 4, "minCapacity", "must be between 0 and 1000"),
                Arguments.of("min past the limit", 1001, 1000, "minCapacity", "must be between 0 and 1000"),
                Arguments.of("max zero", 0, 0, "maxCapacity", "must be between 1 and 1000"),
                Arguments.of("max past the limit", 1, 1001, "maxCapacity", "must be between 1 and 1000"),
                Arguments.of("min above max", 5, 2, "maxCapacity", "greater than or equal to minCapacity"),
                // The ordering rule is only checked once both bounds are sane, so the user sees the root cause only.
                Arguments.of("min out of range and above max", 1001, 2, "minCapacity", "must be between 0 and 1000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bounds")
    void validatesBounds(String label, Integer min, Integer max, String field, String rule) {
        var violations = ScalableTarget.validate(min, max);
        if (field == null) {
            assertThat(violations).isEmpty();
        } else {
            assertThat(violations).singleElement().satisfies(v -> {
                assertThat(v.field()).isEqualTo(field);
                assertThat(v.rule()).contains(rule);
            });
        }
    }

    @Test
    void reportsBothMissingBoundsAtOnce() {
        // A request missing both fields must name both, not make the user fix them one round trip at a time.
        assertThat(ScalableTarget.validate(null, null)).containsExactly(
                new PolicyViolation("minCapacity", "is required"),
                new PolicyViolation("maxCapacity", "is required"));
    }
}
