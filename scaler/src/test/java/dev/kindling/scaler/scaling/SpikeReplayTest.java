package dev.kindling.scaler.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.scaler.metrics.LoadWindows;
import dev.kindling.scaler.metrics.WindowSettings;
import dev.kindling.scaler.policy.MetricType;
import dev.kindling.scaler.policy.ScalableTarget;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.scaling.Decision.Kind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replays a spike trace (about 4 concurrent requests for 30 s, a step to 40 for 60 s, then nothing) second by
 * second through real load windows and the copy scaler, target 4 per copy, default settings, 60 s cooldowns,
 * bounds 1..16, applying each decision at once. The plateau needs 10 copies.
 */
class SpikeReplayTest {

    static final Instant START = Instant.parse("2026-11-23T10:00:00Z");
    static final int NEEDED = 10;
    /** The trace, then the load stays off so the scale-in can be watched to its end. */
    static final int TICKS = 420;

    static double[] trace;
    static int stepSecond;
    static int lastLoadedSecond;

    record Tick(int second, int before, Decision decision) {

        int after() {
            return decision.desiredCopies();
        }

        @Override
        public String toString() {
            return "t=" + second + " " + before + "->" + after() + " " + decision.kind() + ": " + decision.reason();
        }
    }

    @BeforeAll
    static void readTrace() throws IOException {
        List<Double> values = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(
                SpikeReplayTest.class.getResourceAsStream("/spike-4-to-40.csv"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("#") || line.startsWith("second") || line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                assertThat(Integer.parseInt(cells[0])).as("seconds in order from 0").isEqualTo(values.size());
                values.add(Double.parseDouble(cells[1]));
            }
        }
        trace = values.stream().mapToDouble(Double::doubleValue).toArray();
        stepSecond = firstSecond(c -> c > 8);
        lastLoadedSecond = trace.length - 1;
        while (trace[lastLoadedSecond] == 0) {
            lastLoadedSecond--;
        }
        assertThat(stepSecond).as("the fixture's shape").isEqualTo(30);
        assertThat(lastLoadedSecond).as("the fixture's shape").isEqualTo(90);
    }

    @Test
    void theBurstWindowReactsWithinSecondsAndTheScaleInWaitsForQuiet() {
        List<Tick> ticks = replay(ScalerSettings.DEFAULTS);
        String log = ticks.stream().filter(t -> t.after() != t.before()).map(Tick::toString).collect(Collectors.joining("\n"));

        Tick firstOut = ticks.stream().filter(t -> t.decision().kind() == Kind.SCALE_OUT).findFirst().orElseThrow();
        // knative's panic window reacts within a 2 s tick; nothing scales out on the steady 4 before the step.
        assertThat(firstOut.second() - stepSecond).as(log).isBetween(0, 2);
        assertThat(firstOut.decision().burst()).as(log).isTrue();
        assertThat(firstOut.decision().thresholdCrossedAt()).isEqualTo(START.plusSeconds(firstOut.second()));

        int reached = ticks.stream().filter(t -> t.after() >= NEEDED).findFirst().orElseThrow().second();
        assertThat(reached - stepSecond).as(log).isLessThanOrEqualTo(8);
        // Burst mode is exempt from the 60 s scale-out cooldown: several scale-outs inside one cooldown.
        assertThat(ticks.stream().filter(t -> t.decision().kind() == Kind.SCALE_OUT
                && t.second() < firstOut.second() + 60).count()).as(log).isGreaterThanOrEqualTo(2);

        assertThat(ticks.stream().filter(t -> t.second() >= stepSecond && t.second() <= lastLoadedSecond)
                .mapToInt(Tick::after).max().orElseThrow()).as(log).isEqualTo(NEEDED);

        List<Tick> scaleIns = ticks.stream().filter(t -> t.decision().kind() == Kind.SCALE_IN).toList();
        assertThat(scaleIns).as(log).hasSizeGreaterThanOrEqualTo(3);
        assertThat(scaleIns.get(0).second()).as(log).isGreaterThan(lastLoadedSecond);
        int lastScaling = -1;
        for (Tick t : ticks) {
            if (t.decision().kind() == Kind.SCALE_IN) {
                assertThat(t.second() - lastScaling).as("scale-in cooldown 60 s\n" + log).isGreaterThanOrEqualTo(60);
                assertThat(t.before() - t.after()).as("at most half at once\n" + log).isLessThanOrEqualTo(Math.max(1, t.before() / 2));
            }
            if (t.after() != t.before()) {
                lastScaling = t.second();
            }
        }
        assertThat(ticks.get(ticks.size() - 1).after()).as(log).isEqualTo(1);
    }

    @Test
    void theBurstWindowReachesTheNeededCountAtLeastThreeTimesSoonerThanTheStableWindowAlone() {
        // SageMaker's argument for sub-minute metrics: a 6 s window sees the step long before a 60 s average does.
        ScalerSettings stableOnly = ScalerSettings.DEFAULTS.withWindows(
                new WindowSettings(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(10)));
        int withBurst = secondsToNeeded(replay(ScalerSettings.DEFAULTS));
        int withoutBurst = secondsToNeeded(replay(stableOnly));
        assertThat(withoutBurst).as("stable window only: %d s, with the burst window: %d s", withoutBurst, withBurst)
                .isGreaterThanOrEqualTo(3 * withBurst);
        assertThat(withBurst).isPositive();
    }

    private static int secondsToNeeded(List<Tick> ticks) {
        return ticks.stream().filter(t -> t.after() >= NEEDED).findFirst().orElseThrow().second() - stepSecond;
    }

    private static List<Tick> replay(ScalerSettings settings) {
        var policy = new ScalingPolicy.TargetTracking("spike", MetricType.SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution,
                4, 60, 60, false);
        var target = new ScalableTarget(1, 16, false, false);
        LoadWindows windows = new LoadWindows(settings.windows());
        ScalerState state = ScalerState.initial();
        int copies = 1;
        List<Tick> ticks = new ArrayList<>();
        for (int s = 0; s < TICKS; s++) {
            Instant now = START.plusSeconds(s);
            windows.record(now, s < trace.length ? trace[s] : 0, 0);
            Decision d = CopyScaler.decide(state, new ScalingInput(copies, copies, windows.read(now), 0, null),
                    target, List.of(policy), settings, now);
            ticks.add(new Tick(s, copies, d));
            copies = d.desiredCopies();
            state = d.next();
        }
        return ticks;
    }

    private static int firstSecond(java.util.function.DoublePredicate p) {
        for (int s = 0; s < trace.length; s++) {
            if (p.test(trace[s])) {
                return s;
            }
        }
        throw new AssertionError("no such second in the trace");
    }
}
