package dev.kindling.scaler.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sliding window as named rows. A script is a list of steps: "12:2.5" records 2.5 at second 12, "r20" reads at
 * second 20 (reads move the window's clock too). After the script the window is read at {@code at}.
 */
class SlidingWindowTest {

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("one sample", 5, "10:2", 10, 2.0, 1),
                Arguments.of("several records in one second add up", 5, "10:2 10:3", 10, 5.0, 1),
                Arguments.of("a gap is no measurement: the average skips it", 5, "10:2 14:4", 14, 6.0, 2),
                Arguments.of("a sample leaves after the window's length", 5, "10:2 11:4", 15, 4.0, 1),
                Arguments.of("now minus the length is already outside", 5, "10:2", 15, 0.0, 0),
                Arguments.of("the last second inside", 5, "10:2", 14, 2.0, 1),
                Arguments.of("a jump longer than the window clears all", 5, "10:2 11:3 12:1 30:1", 30, 1.0, 1),
                Arguments.of("a jump of exactly the window clears all", 5, "10:2 11:3 16:1", 16, 1.0, 1),
                Arguments.of("a jump just short of the window keeps the newest", 5, "10:2 11:3 14:1", 15, 4.0, 2),
                Arguments.of("a sample older than the window is ignored", 5, "20:1 15:5", 20, 1.0, 1),
                Arguments.of("a late sample inside the window counts", 5, "20:1 16:5", 20, 6.0, 2),
                Arguments.of("a late sample joins its second", 5, "16:5 20:1 16:2", 20, 8.0, 2),
                Arguments.of("a read ignores seconds after its now", 5, "10:1 12:5", 11, 1.0, 1),
                Arguments.of("a read a whole window behind the clock sees nothing", 5, "20:1", 15, 0.0, 0),
                Arguments.of("a read moves the clock: a sample behind it is then too old", 5, "10:1 r20 15:5", 20, 0.0, 0),
                Arguments.of("a read moves the clock: a sample just inside still counts", 5, "r20 16:5", 20, 5.0, 1),
                Arguments.of("buckets reused after wrapping around hold only the new second", 3,
                        "1:1 2:1 3:1 4:10 5:10 6:10", 6, 30.0, 3),
                Arguments.of("seconds before 1970 index right", 5, "-3:1 -1:2", -1, 3.0, 2),
                Arguments.of("a window of one second", 1, "10:1 10:2 11:4", 11, 4.0, 1),
                Arguments.of("negative values add up", 5, "10:-1 11:3", 11, 2.0, 2),
                Arguments.of("a long run keeps only the last window", 4,
                        "1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9 10:10", 10, 34.0, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void sumsTheLastSeconds(String label, int length, String script, long at, double sum, int seconds) {
        SlidingWindow w = run(length, script);
        Instant now = Instant.ofEpochSecond(at);
        assertThat(w.sum(now)).isEqualTo(sum);
        assertThat(w.seconds(now)).isEqualTo(seconds);
        assertThat(w.average(now)).isEqualTo(seconds == 0 ? 0.0 : sum / seconds);
    }

    @Test
    void aWindowWhoseSamplesLeftReadsExactlyZero() {
        // 0.1 + 0.2 - 0.1 - 0.2 is 5.6e-17 in doubles: that residue would read as load at zero copies.
        SlidingWindow w = run(2, "10:0.1 11:0.2 12:0 13:0");
        assertThat(w.sum(Instant.ofEpochSecond(13))).isEqualTo(0.0);
        assertThat(w.average(Instant.ofEpochSecond(13))).isEqualTo(0.0);
    }

    @Test
    void aSubSecondInstantFallsIntoItsSecond() {
        SlidingWindow w = new SlidingWindow(Duration.ofSeconds(5));
        w.record(Instant.ofEpochSecond(10, 999_999_999), 1);
        w.record(Instant.ofEpochSecond(10, 1), 2);
        assertThat(w.seconds(Instant.ofEpochSecond(10, 500))).isEqualTo(1);
        assertThat(w.sum(Instant.ofEpochSecond(14, 999_999_999))).isEqualTo(3.0);
        assertThat(w.sum(Instant.ofEpochSecond(15))).isEqualTo(0.0);
    }

    static Stream<Arguments> badLengths() {
        return Stream.of(
                Arguments.of("zero", Duration.ZERO),
                Arguments.of("negative", Duration.ofSeconds(-1)),
                Arguments.of("a fraction of a second", Duration.ofMillis(1500)),
                Arguments.of("past a day", Duration.ofSeconds(86_401)),
                Arguments.of("missing", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLengths")
    void rejectsLengths(String label, Duration length) {
        assertThatThrownBy(() -> new SlidingWindow(length))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole seconds between 1 and 86400");
    }

    static Stream<Arguments> badSamples() {
        return Stream.of(
                Arguments.of("NaN", Double.NaN),
                Arguments.of("infinite", Double.POSITIVE_INFINITY),
                Arguments.of("past a billion", 1.5e9),
                Arguments.of("below minus a billion", -1.5e9));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSamples")
    void rejectsSamples(String label, double value) {
        SlidingWindow w = new SlidingWindow(Duration.ofSeconds(5));
        assertThatThrownBy(() -> w.record(Instant.EPOCH, value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be finite");
        assertThat(w.seconds(Instant.EPOCH)).isZero();
    }

    static SlidingWindow run(int length, String script) {
        SlidingWindow w = new SlidingWindow(Duration.ofSeconds(length));
        for (String step : script.split(" ")) {
            if (step.startsWith("r")) {
                w.sum(Instant.ofEpochSecond(Long.parseLong(step.substring(1))));
            } else {
                String[] p = step.split(":");
                w.record(Instant.ofEpochSecond(Long.parseLong(p[0])), Double.parseDouble(p[1]));
            }
        }
        return w;
    }
}
