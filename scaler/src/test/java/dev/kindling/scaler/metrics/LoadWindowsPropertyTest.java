package dev.kindling.scaler.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Every reading of the load windows against a brute-force recomputation from all samples, over random feeds in
 * time order with gaps, jumps past every window, and several records in one second; window lengths random too.
 */
class LoadWindowsPropertyTest {

    /** Advance the clock by {@code delta} seconds, then record a sample there or read there. */
    record Event(int delta, boolean read, double concurrency, long invocations) {}

    @Provide
    Arbitrary<WindowSettings> settings() {
        return Combinators.combine(
                        Arbitraries.integers().between(1, 90),
                        Arbitraries.integers().between(1, 90),
                        Arbitraries.integers().between(1, 30))
                .as((a, b, p) -> new WindowSettings(Duration.ofSeconds(Math.max(a, b)), Duration.ofSeconds(Math.min(a, b)),
                        Duration.ofSeconds(p)));
    }

    @Provide
    Arbitrary<List<Event>> feeds() {
        Arbitrary<Integer> delta = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(12, Arbitraries.just(1)),
                Tuple.of(3, Arbitraries.integers().between(2, 15)),
                Tuple.of(1, Arbitraries.integers().between(16, 200)));
        Arbitrary<Double> concurrency = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0.0)),
                Tuple.of(4, Arbitraries.doubles().between(0, 500).ofScale(6)));
        Arbitrary<Long> invocations = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0L)),
                Tuple.of(3, Arbitraries.longs().between(0, 10_000)));
        return Combinators.combine(delta, Arbitraries.integers().between(0, 4).map(i -> i == 0), concurrency, invocations)
                .as(Event::new).list().ofMinSize(1).ofMaxSize(400);
    }

    @Property(tries = 300, seed = "20261123")
    void readingsMatchBruteForce(@ForAll("settings") WindowSettings settings, @ForAll("feeds") List<Event> feed) {
        LoadWindows windows = new LoadWindows(settings);
        // second -> {concurrency units, invocations}
        TreeMap<Long, long[]> samples = new TreeMap<>();
        long at = 1_700_000_000L;
        for (Event e : feed) {
            at += e.delta();
            if (!e.read()) {
                windows.record(Instant.ofEpochSecond(at), e.concurrency(), e.invocations());
                long[] sum = samples.computeIfAbsent(at, s -> new long[2]);
                sum[0] += Math.round(e.concurrency() * SlidingWindow.UNITS_PER_ONE);
                sum[1] += e.invocations();
            }
            LoadReadings actual = windows.read(Instant.ofEpochSecond(at));
            LoadReadings expected = bruteForce(samples, settings, at);
            String context = "at " + at + " with " + settings;
            assertThat(actual.valid()).as(context).isEqualTo(expected.valid());
            assertThat(actual.stableConcurrency()).as(context).isEqualTo(expected.stableConcurrency());
            assertThat(actual.burstConcurrency()).as(context).isEqualTo(expected.burstConcurrency());
            assertThat(actual.highResolutionConcurrency()).as(context).isEqualTo(expected.highResolutionConcurrency());
            assertThat(actual.stableInvocationsPerMinute()).as(context)
                    .isCloseTo(expected.stableInvocationsPerMinute(), within(1e-9 * (1 + expected.stableInvocationsPerMinute())));
            assertThat(actual.burstInvocationsPerMinute()).as(context)
                    .isCloseTo(expected.burstInvocationsPerMinute(), within(1e-9 * (1 + expected.burstInvocationsPerMinute())));
            assertThat(actual.lastNonZeroAt()).as(context).isEqualTo(expected.lastNonZeroAt());
        }
    }

    private static LoadReadings bruteForce(TreeMap<Long, long[]> samples, WindowSettings settings, long now) {
        long stable = settings.stable().getSeconds();
        long burst = settings.burst().getSeconds();
        long period = settings.highResolutionPeriod().getSeconds();
        long lastPeriod = Math.floorDiv(now + 1, period) - 1;
        Map<Long, long[]> inStable = samples.subMap(now - stable, false, now, true);
        Map<Long, long[]> inBurst = samples.subMap(now - burst, false, now, true);
        Map<Long, long[]> inPeriod = samples.subMap(lastPeriod * period, true, lastPeriod * period + period, false);
        Long lastBusy = null;
        for (var e : samples.entrySet()) {
            if (e.getValue()[0] > 0 || e.getValue()[1] > 0) {
                lastBusy = e.getKey();
            }
        }
        return new LoadReadings(
                !inStable.isEmpty() && !inPeriod.isEmpty(),
                average(inStable, 0) / SlidingWindow.UNITS_PER_ONE,
                average(inBurst, 0) / SlidingWindow.UNITS_PER_ONE,
                average(inPeriod, 0) / SlidingWindow.UNITS_PER_ONE,
                (double) total(inStable, 1) * 60 / Math.max(1, inStable.size()),
                (double) total(inBurst, 1) * 60 / Math.max(1, inBurst.size()),
                lastBusy == null ? null : Instant.ofEpochSecond(lastBusy));
    }

    private static double average(Map<Long, long[]> seconds, int field) {
        return seconds.isEmpty() ? 0.0 : (double) total(seconds, field) / seconds.size();
    }

    private static long total(Map<Long, long[]> seconds, int field) {
        return new ArrayList<>(seconds.values()).stream().mapToLong(v -> v[field]).sum();
    }
}
