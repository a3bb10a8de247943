package dev.kindling.scaler.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Window lengths as named rows: a null message means the row must be accepted. */
class WindowSettingsTest {

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of("the defaults", 60, 6, 10, null),
                Arguments.of("burst as long as stable", 60, 60, 10, null),
                Arguments.of("the shortest", 1, 1, 1, null),
                Arguments.of("the longest", 3600, 3600, 3600, null),
                Arguments.of("burst longer than stable", 30, 31, 10, "must not be longer than the stable window"),
                Arguments.of("stable of zero", 0, 0, 10, "stable window must be whole seconds between 1 and 3600"),
                Arguments.of("stable past an hour", 3601, 6, 10, "stable window must be whole seconds between 1 and 3600"),
                Arguments.of("negative burst", 60, -6, 10, "burst window must be whole seconds between 1 and 3600"),
                Arguments.of("period of zero", 60, 6, 0, "highResolutionPeriod window must be whole seconds"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void validates(String label, int stable, int burst, int period, String message) {
        if (message == null) {
            assertThat(new WindowSettings(Duration.ofSeconds(stable), Duration.ofSeconds(burst), Duration.ofSeconds(period)).burst())
                    .isEqualTo(Duration.ofSeconds(burst));
        } else {
            assertThatThrownBy(() -> new WindowSettings(Duration.ofSeconds(stable), Duration.ofSeconds(burst), Duration.ofSeconds(period)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(message);
        }
    }

    static Stream<Arguments> wholeSeconds() {
        return Stream.of(
                Arguments.of("a fraction in stable", Duration.ofMillis(60_500), Duration.ofSeconds(6), Duration.ofSeconds(10)),
                Arguments.of("a fraction in burst", Duration.ofSeconds(60), Duration.ofMillis(5_500), Duration.ofSeconds(10)),
                Arguments.of("a missing period", Duration.ofSeconds(60), Duration.ofSeconds(6), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wholeSeconds")
    void wantsWholeSeconds(String label, Duration stable, Duration burst, Duration period) {
        assertThatThrownBy(() -> new WindowSettings(stable, burst, period))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole seconds");
    }
}
