package dev.kindling.scaler.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.scaler.metrics.WindowSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Scaler settings as named rows: a null message means the row must be accepted. */
class ScalerSettingsTest {

    static Stream<Arguments> settings() {
        Duration grace = Duration.ofSeconds(120);
        WindowSettings w = WindowSettings.DEFAULTS;
        return Stream.of(
                Arguments.of("the defaults", ScalerSettings.DEFAULTS.burstThreshold(), grace, 0.5, 0.1, w, null),
                Arguments.of("the lowest burst threshold", 1.1, grace, 0.5, 0.1, w, null),
                Arguments.of("the highest burst threshold", 10.0, grace, 0.5, 0.1, w, null),
                Arguments.of("remove every copy the policy asks to", 2.0, grace, 1.0, 0.1, w, null),
                Arguments.of("no tolerance", 2.0, grace, 0.5, 0.0, w, null),
                Arguments.of("burst threshold of 1 would burst on any load", 1.0, grace, 0.5, 0.1, w, "burstThreshold must be between 1.1 and 10"),
                Arguments.of("burst threshold NaN", Double.NaN, grace, 0.5, 0.1, w, "burstThreshold must be between 1.1 and 10"),
                Arguments.of("grace of zero", 2.0, Duration.ZERO, 0.5, 0.1, w, "scaleToZeroGrace must be whole seconds between 1 and 86400"),
                Arguments.of("grace with a fraction", 2.0, Duration.ofMillis(1500), 0.5, 0.1, w, "scaleToZeroGrace must be whole seconds"),
                Arguments.of("grace missing", 2.0, null, 0.5, 0.1, w, "scaleToZeroGrace must be whole seconds"),
                Arguments.of("a scale-in fraction of zero never scales in", 2.0, grace, 0.0, 0.1, w, "maxScaleInFraction must be greater than 0 and at most 1"),
                Arguments.of("a scale-in fraction above 1", 2.0, grace, 1.5, 0.1, w, "maxScaleInFraction must be greater than 0 and at most 1"),
                Arguments.of("a negative tolerance", 2.0, grace, 0.5, -0.1, w, "scaleInTolerance must be between 0 and 0.9"),
                Arguments.of("a tolerance of 1 never scales in", 2.0, grace, 0.5, 1.0, w, "scaleInTolerance must be between 0 and 0.9"),
                Arguments.of("windows missing", 2.0, grace, 0.5, 0.1, null, "windows must be set"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void validates(String label, double threshold, Duration grace, double fraction, double tolerance, WindowSettings windows,
                   String message) {
        if (message == null) {
            assertThat(new ScalerSettings(threshold, grace, fraction, tolerance, windows).burstThreshold()).isEqualTo(threshold);
        } else {
            assertThatThrownBy(() -> new ScalerSettings(threshold, grace, fraction, tolerance, windows))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(message);
        }
    }

    @Test
    void defaultsAreKnativesAndSageMakersNumbers() {
        assertThat(ScalerSettings.DEFAULTS).isEqualTo(new ScalerSettings(2.0, Duration.ofSeconds(120), 0.5, 0.1,
                new WindowSettings(Duration.ofSeconds(60), Duration.ofSeconds(6), Duration.ofSeconds(10))));
    }

    @Test
    void aRestoredStateKeepsOnlyTheCooldownClocks() {
        Instant out = Instant.parse("2026-11-23T09:00:00Z");
        Instant in = Instant.parse("2026-11-23T09:30:00Z");
        assertThat(ScalerState.restored(out, in)).isEqualTo(new ScalerState(false, null, null, out, in, java.util.Map.of(), null, null));
        assertThat(ScalerState.initial()).isEqualTo(ScalerState.restored(null, null));
    }
}
