package dev.kindling.scaler.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The ring's running totals against a brute-force recomputation from every sample it kept, over random streams
 * that move forward and back, repeat seconds, leave gaps and jump past the window.
 */
class SlidingWindowPropertyTest {

    /** One step of a stream: move the clock by {@code delta} seconds from the previous step, then record or read. */
    record Step(int delta, boolean read, double value) {}

    @Provide
    Arbitrary<List<Step>> streams() {
        Arbitrary<Integer> delta = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 2)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(-12, -1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(3, 40)));
        Arbitrary<Double> value = Arbitraries.doubles().between(-50, 1000).ofScale(7);
        Arbitrary<Step> step = Combinators.combine(delta, Arbitraries.integers().between(0, 3).map(i -> i == 0), value)
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 400, seed = "4242")
    void runningTotalsMatchBruteForce(@ForAll @IntRange(min = 1, max = 20) int length, @ForAll("streams") List<Step> stream) {
        SlidingWindow window = new SlidingWindow(Duration.ofSeconds(length));
        List<long[]> kept = new ArrayList<>();
        long clock = Long.MIN_VALUE;
        long at = 1_000_000;
        for (Step step : stream) {
            at += step.delta();
            clock = Math.max(clock, at);
            Instant now = Instant.ofEpochSecond(at);
            if (step.read()) {
                assertMatches(window, kept, clock, length, at);
            } else {
                window.record(now, step.value());
                if (at > clock - length) {
                    kept.add(new long[] {at, Math.round(step.value() * SlidingWindow.UNITS_PER_ONE)});
                }
            }
            // Every step also reads at the clock, where the caller usually stands.
            assertMatches(window, kept, clock, length, clock);
        }
    }

    private static void assertMatches(SlidingWindow window, List<long[]> kept, long clock, int length, long at) {
        long units = 0;
        Set<Long> seconds = new HashSet<>();
        for (long[] sample : kept) {
            // Kept and still inside both the window at `at` and the window at the clock.
            if (sample[0] > clock - length && sample[0] <= at) {
                units += sample[1];
                seconds.add(sample[0]);
            }
        }
        Instant now = Instant.ofEpochSecond(at);
        String context = "read at " + at + " with the clock at " + clock;
        assertThat(window.sum(now)).as(context).isEqualTo(units / (double) SlidingWindow.UNITS_PER_ONE);
        assertThat(window.seconds(now)).as(context).isEqualTo(seconds.size());
        assertThat(window.average(now)).as(context)
                .isEqualTo(seconds.isEmpty() ? 0.0 : (double) units / seconds.size() / SlidingWindow.UNITS_PER_ONE);
    }
}
