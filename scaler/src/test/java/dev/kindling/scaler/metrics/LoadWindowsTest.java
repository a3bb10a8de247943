package dev.kindling.scaler.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Readings of a component's windows (default lengths: 60 s stable, 6 s burst, 10 s periods) as named rows. */
class LoadWindowsTest {

    /** Feeds seconds [from, to] with the given concurrency and invocations per second, then reads at {@code at}. */
    record Feed(int from, int to, IntToDoubleFunction concurrency, IntToLongFunction invocations) {}

    static Feed feed(int from, int to, IntToDoubleFunction concurrency, IntToLongFunction invocations) {
        return new Feed(from, to, concurrency, invocations);
    }

    static Stream<Arguments> readings() {
        return Stream.of(
                Arguments.of("stable and burst windows average their own seconds",
                        feed(0, 59, s -> s < 54 ? 1 : 10, s -> 0), 59,
                        new LoadReadings(true, (54 + 60) / 60.0, 10, (4 + 60) / 10.0, 0, 0, Instant.ofEpochSecond(59))),
                Arguments.of("the stable window drops what is older than 60 s",
                        feed(0, 99, s -> s < 40 ? 100 : 2, s -> 0), 99,
                        new LoadReadings(true, 2, 2, 2, 0, 0, Instant.ofEpochSecond(99))),
                Arguments.of("invocations per second become per minute",
                        feed(0, 59, s -> 1, s -> s < 54 ? 1 : 3), 59,
                        new LoadReadings(true, 1, 1, 1, (54 + 18) * 60 / 60.0, 180, Instant.ofEpochSecond(59))),
                Arguments.of("a partly filled window averages the seconds it has",
                        feed(0, 19, s -> 4, s -> 2), 19,
                        new LoadReadings(true, 4, 4, 4, 120, 120, Instant.ofEpochSecond(19))),
                Arguments.of("the high-resolution period is the last completed one, aligned to 10 s",
                        feed(0, 24, s -> s, s -> 0), 24,
                        new LoadReadings(true, 12, 21.5, 14.5, 0, 0, Instant.ofEpochSecond(24))),
                Arguments.of("a period completes with the sample of its last second",
                        feed(0, 19, s -> s, s -> 0), 19,
                        new LoadReadings(true, 9.5, 16.5, 14.5, 0, 0, Instant.ofEpochSecond(19))),
                Arguments.of("one second short of that, the period before counts",
                        feed(0, 18, s -> s, s -> 0), 18,
                        new LoadReadings(true, 9, 15.5, 4.5, 0, 0, Instant.ofEpochSecond(18))),
                Arguments.of("a period averages only the seconds that hold data",
                        feed(0, 29, s -> s == 12 || s == 17 ? 8 : 0, s -> 0), 29,
                        new LoadReadings(true, 16 / 30.0, 0, 0, 0, 0, Instant.ofEpochSecond(17))),
                Arguments.of("no completed period yet: not valid, numbers still filled",
                        feed(3, 8, s -> 2, s -> 1), 8,
                        new LoadReadings(false, 2, 2, 0, 60, 60, Instant.ofEpochSecond(8))),
                Arguments.of("valid once the first period completes, however few seconds it holds",
                        feed(7, 9, s -> 2, s -> 1), 9,
                        new LoadReadings(true, 2, 2, 2, 60, 60, Instant.ofEpochSecond(9))),
                Arguments.of("an idle component reads zero and was never busy",
                        feed(0, 30, s -> 0, s -> 0), 30,
                        new LoadReadings(true, 0, 0, 0, 0, 0, null)),
                Arguments.of("the last busy second counts invocations as well as concurrency",
                        feed(0, 30, s -> s == 3 ? 0.5 : 0, s -> s == 5 ? 1 : 0), 30,
                        new LoadReadings(true, 0.5 / 31, 0, 0, 60 / 31.0, 0, Instant.ofEpochSecond(5))),
                Arguments.of("a gap longer than the stable window leaves no data but remembers the last load",
                        feed(0, 10, s -> 1, s -> 1), 80,
                        new LoadReadings(false, 0, 0, 0, 0, 0, Instant.ofEpochSecond(10))),
                // Only the newest two periods are kept: a read whose clock disagrees with the feed's must not decide.
                Arguments.of("a read behind the feed sees the seconds kept up to it, but not an old period",
                        feed(100, 160, s -> 1, s -> 0), 150,
                        new LoadReadings(false, 1, 0, 0, 0, 0, Instant.ofEpochSecond(160))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readings")
    void readsTheWindows(String label, Feed feed, int at, LoadReadings expected) {
        LoadWindows windows = new LoadWindows(WindowSettings.DEFAULTS);
        for (int s = feed.from(); s <= feed.to(); s++) {
            windows.record(Instant.ofEpochSecond(s), feed.concurrency().applyAsDouble(s), feed.invocations().applyAsLong(s));
        }
        LoadReadings r = windows.read(Instant.ofEpochSecond(at));
        assertThat(r.valid()).isEqualTo(expected.valid());
        assertThat(r.stableConcurrency()).isCloseTo(expected.stableConcurrency(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.burstConcurrency()).isCloseTo(expected.burstConcurrency(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.highResolutionConcurrency()).isCloseTo(expected.highResolutionConcurrency(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.stableInvocationsPerMinute()).isCloseTo(expected.stableInvocationsPerMinute(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.burstInvocationsPerMinute()).isCloseTo(expected.burstInvocationsPerMinute(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.lastNonZeroAt()).isEqualTo(expected.lastNonZeroAt());
    }

    @Test
    void nothingRecordedReadsAsNoData() {
        assertThat(new LoadWindows(WindowSettings.DEFAULTS).read(Instant.ofEpochSecond(100))).isEqualTo(LoadReadings.NO_DATA);
    }

    @Test
    void sharesOfOneSecondFromSeveralReplicasAddUp() {
        LoadWindows windows = new LoadWindows(WindowSettings.DEFAULTS);
        for (int s = 0; s < 10; s++) {
            windows.record(Instant.ofEpochSecond(s), 2, 1);
            windows.record(Instant.ofEpochSecond(s), 3, 2);
        }
        LoadReadings r = windows.read(Instant.ofEpochSecond(9));
        assertThat(r.stableConcurrency()).isEqualTo(5.0);
        assertThat(r.burstConcurrency()).isEqualTo(5.0);
        assertThat(r.highResolutionConcurrency()).isEqualTo(5.0);
        assertThat(r.stableInvocationsPerMinute()).isEqualTo(180.0);
    }

    @Test
    void periodsFollowTheConfiguredLength() {
        LoadWindows windows = new LoadWindows(new WindowSettings(Duration.ofSeconds(60), Duration.ofSeconds(6), Duration.ofSeconds(15)));
        for (int s = 0; s <= 40; s++) {
            windows.record(Instant.ofEpochSecond(s), s, 0);
        }
        // Periods are [0,15), [15,30), [30,45): at 40 the last completed is [15,30).
        assertThat(windows.read(Instant.ofEpochSecond(40)).highResolutionConcurrency()).isEqualTo(22.0);
    }

    static Stream<Arguments> badSamples() {
        return Stream.of(
                Arguments.of("negative concurrency", -0.5, 0L, "must be 0 or more"),
                Arguments.of("NaN concurrency", Double.NaN, 0L, "must be 0 or more"),
                Arguments.of("infinite concurrency", Double.POSITIVE_INFINITY, 0L, "must be finite"),
                Arguments.of("negative invocations", 1.0, -1L, "must be 0 or more"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSamples")
    void rejectsBadSamplesAndKeepsNothingOfThem(String label, double concurrency, long invocations, String message) {
        LoadWindows windows = new LoadWindows(WindowSettings.DEFAULTS);
        assertThatThrownBy(() -> windows.record(Instant.ofEpochSecond(9), concurrency, invocations))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
        assertThat(windows.read(Instant.ofEpochSecond(9))).isEqualTo(LoadReadings.NO_DATA);
    }
}
