package dev.kindling.scaler.scaling;

import static dev.kindling.scaler.policy.AdjustmentType.ChangeInCapacity;
import static dev.kindling.scaler.policy.AdjustmentType.ExactCapacity;
import static dev.kindling.scaler.policy.AdjustmentType.PercentChangeInCapacity;
import static dev.kindling.scaler.scaling.Decision.Kind.NONE;
import static dev.kindling.scaler.scaling.Decision.Kind.SCALE_FROM_ZERO;
import static dev.kindling.scaler.scaling.Decision.Kind.SCALE_IN;
import static dev.kindling.scaler.scaling.Decision.Kind.SCALE_OUT;
import static dev.kindling.scaler.scaling.Decision.Kind.SCALE_TO_ZERO;
import static dev.kindling.scaler.scaling.Given.CONCURRENCY;
import static dev.kindling.scaler.scaling.Given.INVOCATIONS;
import static dev.kindling.scaler.scaling.Given.NOW;
import static dev.kindling.scaler.scaling.Given.VARIANT_CONCURRENCY;
import static dev.kindling.scaler.scaling.Given.ago;
import static dev.kindling.scaler.scaling.Given.at;
import static dev.kindling.scaler.scaling.Given.given;
import static dev.kindling.scaler.scaling.Given.step;
import static dev.kindling.scaler.scaling.Given.tt;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the copy scaler as named rows (knative's {@code TestAutoscalerScale} style). Each row changes the
 * defaults of {@link Given} (1 copy, bounds 1..10, target tracking at 4 concurrent requests per copy with 60 s
 * cooldowns) only where it is about, and names the count, the kind and words the reason must hold.
 */
class CopyScalerTest {

    static Arguments row(String label, Given.Expect expect) {
        return Arguments.of(label, expect);
    }

    static Stream<Arguments> targetTracking() {
        return Stream.of(
                row("a load on target holds the count", given().copies(1).load(4)
                        .expect(1, NONE, "stable window 4.0 concurrent requests / target 4.0 per copy wants 1 copy (1 now)")),
                row("a stable load above target scales out to ceil(load / target)", given().copies(2).load(12)
                        .expect(3, SCALE_OUT, "stable window 12.0 concurrent requests / target 4.0 per copy wants 3 copies (2 now)")
                        .and(d -> assertThat(d.thresholdCrossedAt()).isEqualTo(NOW))
                        .and(d -> assertThat(d.policyName()).isEqualTo("tt"))
                        .and(d -> assertThat(d.next().lastScaleOutAt()).isEqualTo(NOW))
                        .and(d -> assertThat(d.next().pressureSince()).isNull())),
                row("a fraction of a copy more load is a whole copy more", given().copies(2).load(8.1)
                        .expect(3, SCALE_OUT, "wants 3 copies (2 now)")),
                row("a ratio a rounding error above a whole number is that number", given().copies(3).load(0.3)
                        .policies(tt("tt", CONCURRENCY, 0.1, 60, 60, false))
                        .expect(3, NONE, "stable window 0.3 concurrent requests / target 0.1 per copy wants 3 copies (3 now)")),
                row("a scale-out inside the scale-out cooldown is deferred", given().copies(2).load(12).lastScaleOut(ago(20))
                        .expect(2, NONE, "wants 3 copies (2 now): deferred: scale-out cooldown 60 s has 40 s left")
                        .and(d -> assertThat(d.next().pressureSince()).isEqualTo(NOW))
                        .and(d -> assertThat(d.policyName()).isEqualTo("tt"))),
                row("a deferred scale-out keeps the tick the need was first seen", given().copies(2).load(12)
                        .lastScaleOut(ago(30)).pressureSince(ago(10))
                        .expect(2, NONE, "deferred: scale-out cooldown 60 s has 30 s left")
                        .and(d -> assertThat(d.next().pressureSince()).isEqualTo(ago(10)))),
                row("when the cooldown ends the scale-out counts from the first tick of the need", given().copies(2).load(12)
                        .lastScaleOut(ago(60)).pressureSince(ago(40))
                        .expect(3, SCALE_OUT, "wants 3 copies (2 now)")
                        .and(d -> assertThat(d.thresholdCrossedAt()).isEqualTo(ago(40)))
                        .and(d -> assertThat(d.next().pressureSince()).isNull())),
                row("a cooldown clock restored from stored events defers like a live one", given().copies(2).load(12)
                        .restored(ago(10), null)
                        .expect(2, NONE, "deferred: scale-out cooldown 60 s has 50 s left")),
                row("a scale-out is held to maxCapacity", given().copies(2).stable(30).burst(5).bounds(1, 5)
                        .expect(5, SCALE_OUT, "wants 8 copies, held to maxCapacity 5 (2 now)")),
                row("at maxCapacity more load changes nothing and records no need", given().copies(5).stable(30).burst(5).bounds(1, 5)
                        .expect(5, NONE, "wants 8 copies, held to maxCapacity 5 (5 now)")
                        .and(d -> assertThat(d.next().pressureSince()).isNull())),
                row("copies still starting are named in the reason", given().copies(2).ready(1).load(12)
                        .expect(3, SCALE_OUT, "wants 3 copies (2 now, 1 ready)")),
                row("invocations per copy follow the stable invocations per minute", given().copies(2)
                        .policies(tt("inv", INVOCATIONS, 100, 60, 60, false)).invocationsPerMinute(500, 300)
                        .expect(5, SCALE_OUT, "stable window 500.0 invocations per minute / target 100.0 per copy wants 5 copies (2 now)")
                        .and(d -> assertThat(d.burst()).isFalse())),
                row("invocations per copy burst on the burst window's rate", given().copies(1).bounds(1, 20)
                        .policies(tt("inv", INVOCATIONS, 100, 60, 60, false)).invocationsPerMinute(150, 1200)
                        .expect(12, SCALE_OUT, "burst window 1200.0 invocations per minute / target 100.0 per copy wants 12 copies (1 now): burst mode")),
                row("invocations per copy scale in with the tolerance", given().copies(4)
                        .policies(tt("inv", INVOCATIONS, 100, 60, 60, false)).invocationsPerMinute(200, 200)
                        .expect(3, SCALE_IN, "stable window 200.0 invocations per minute / (target 100.0 x 0.9) per copy wants 3 copies (4 now)")),
                row("concurrent requests per model of a variant follow concurrency like per copy", given().copies(2).load(12)
                        .policies(tt("variant", VARIANT_CONCURRENCY, 4, 60, 60, false))
                        .expect(3, SCALE_OUT, "stable window 12.0 concurrent requests / target 4.0 per copy wants 3 copies (2 now)")));
    }

    static Stream<Arguments> burst() {
        return Stream.of(
                row("the burst window at twice the copies enters burst mode", given().copies(1).stable(4).burst(16)
                        .expect(4, SCALE_OUT, "burst window 16.0 concurrent requests / target 4.0 per copy wants 4 copies (1 now): burst mode")
                        .and(d -> assertThat(d.burst()).isTrue())
                        .and(d -> assertThat(d.next().burstSince()).isEqualTo(NOW))
                        .and(d -> assertThat(d.next().lastBurstAt()).isEqualTo(NOW))),
                row("exactly the threshold is a burst", given().copies(2).stable(4).burst(16)
                        .expect(4, SCALE_OUT, "burst mode").and(d -> assertThat(d.burst()).isTrue())),
                row("just below the threshold is no burst", given().copies(2).stable(4).burst(12)
                        .expect(2, NONE, "stable window 4.0 concurrent requests / target 4.0 per copy wants 1 copy (2 now)")
                        .and(d -> assertThat(d.burst()).isFalse())),
                row("a lower threshold enters burst mode sooner", given().copies(2).stable(4).burst(12)
                        .settings(s -> new ScalerSettings(1.5, s.scaleToZeroGrace(), s.maxScaleInFraction(), s.scaleInTolerance(), s.windows()))
                        .expect(3, SCALE_OUT, "burst mode")),
                row("burst mode adds copies inside the scale-out cooldown", given().copies(2).stable(8).burst(40).lastScaleOut(ago(5))
                        .expect(10, SCALE_OUT, "burst window 40.0 concurrent requests / target 4.0 per copy wants 10 copies (2 now): burst mode")),
                row("in burst mode the count follows the burst window up at every tick", given().copies(4).stable(10).burst(24)
                        .inBurstSince(ago(3), ago(3)).lastScaleOut(ago(1))
                        .expect(6, SCALE_OUT, "wants 6 copies (4 now): burst mode")
                        .and(d -> assertThat(d.next().lastBurstAt()).as("6 < 2 x 4: not exceeded again").isEqualTo(ago(3)))
                        .and(d -> assertThat(d.next().burstSince()).isEqualTo(ago(3)))),
                row("in burst mode the stable window counts when it wants more", given().copies(4).stable(28).burst(20)
                        .inBurstSince(ago(3), ago(3))
                        .expect(7, SCALE_OUT, "stable window 28.0 concurrent requests / target 4.0 per copy wants 7 copies (4 now): burst mode")),
                row("a burst is held to maxCapacity", given().copies(1).stable(4).burst(100).bounds(1, 6)
                        .expect(6, SCALE_OUT, "wants 25 copies, held to maxCapacity 6 (1 now): burst mode")),
                row("burst mode never scales in", given().copies(10).stable(4).burst(0).inBurstSince(ago(40), ago(30))
                        .expect(10, NONE, "(10 now): burst mode").and(d -> assertThat(d.burst()).isTrue())),
                row("burst mode holds until a whole stable window passes without a burst", given().copies(10).load(4)
                        .inBurstSince(ago(70), ago(59))
                        .expect(10, NONE, "burst mode").and(d -> assertThat(d.burst()).isTrue())),
                row("burst mode ends a stable window after the last burst, without scaling in that tick", given().copies(10).load(4)
                        .inBurstSince(ago(70), ago(60))
                        .expect(10, NONE, "wants 2 copies (10 now): no scale-in in burst mode")
                        .and(d -> assertThat(d.burst()).isFalse())
                        .and(d -> assertThat(d.next().burstSince()).isNull())),
                row("a longer stable window holds burst mode longer", given().copies(10).load(4).inBurstSince(ago(70), ago(60))
                        .settings(s -> s.withWindows(new dev.kindling.scaler.metrics.WindowSettings(Duration.ofSeconds(90),
                                Duration.ofSeconds(6), Duration.ofSeconds(10))))
                        .expect(10, NONE, "burst mode").and(d -> assertThat(d.burst()).isTrue())),
                row("after burst mode the scale-in resumes", given().copies(10).load(4).state(s -> new ScalerState(false, null,
                                ago(61), null, null, s.lastStepAt(), null, s.observedSince()))
                        .expect(5, SCALE_IN, "wants 2 copies (10 now): at most 5 copies removed at once, to 5")),
                row("exceeding again in burst mode extends it", given().copies(2).stable(4).burst(16).inBurstSince(ago(50), ago(50))
                        .expect(4, SCALE_OUT, "burst mode").and(d -> assertThat(d.next().lastBurstAt()).isEqualTo(NOW))
                        .and(d -> assertThat(d.next().burstSince()).isEqualTo(ago(50)))),
                row("a burst mode without a last burst time ends at once", given().copies(4).load(4).inBurstSince(ago(5), null)
                        .expect(4, NONE, "no scale-in in burst mode").and(d -> assertThat(d.burst()).isFalse())),
                row("no data leaves burst mode on time but decides nothing", given().copies(10).noData().inBurstSince(ago(70), ago(60))
                        .expect(10, NONE, "no load data yet (10 now)").and(d -> assertThat(d.burst()).isFalse())),
                row("either of two target-tracking policies can start a burst", given().copies(1).load(2)
                        .invocationsPerMinute(60, 600)
                        .policies(tt(4), tt("inv", INVOCATIONS, 100, 60, 60, false))
                        .expect(6, SCALE_OUT, "inv: burst window 600.0 invocations per minute / target 100.0 per copy wants 6 copies (1 now): burst mode")));
    }

    static Stream<Arguments> scaleIn() {
        return Stream.of(
                row("below target by more than the tolerance scales in", given().copies(4).load(10)
                        .expect(3, SCALE_IN, "stable window 10.0 concurrent requests / (target 4.0 x 0.9) per copy wants 3 copies (4 now)")
                        .and(d -> assertThat(d.next().lastScaleInAt()).isEqualTo(NOW))
                        .and(d -> assertThat(d.thresholdCrossedAt()).isNull())),
                row("within the tolerance the count holds though fewer copies would meet the target", given().copies(4).load(12)
                        .expect(4, NONE, "wants 3 copies (4 now)")),
                row("no tolerance scales in as soon as fewer copies meet the target", given().copies(4).load(12)
                        .settings(s -> new ScalerSettings(s.burstThreshold(), s.scaleToZeroGrace(), s.maxScaleInFraction(), 0, s.windows()))
                        .expect(3, SCALE_IN, "(target 4.0 x 1.0) per copy wants 3 copies (4 now)")),
                row("the scale-in cooldown counts from the last scale-out", given().copies(4).load(4).lastScaleOut(ago(20))
                        .expect(4, NONE, "wants 2 copies (4 now): deferred: scale-in cooldown 60 s has 40 s left")),
                row("the scale-in cooldown counts from the last scale-in", given().copies(4).load(4).lastScaleIn(ago(50))
                        .expect(4, NONE, "deferred: scale-in cooldown 60 s has 10 s left")),
                row("the later of the two clocks counts", given().copies(4).load(4).lastScaleIn(ago(500)).lastScaleOut(ago(45))
                        .expect(4, NONE, "deferred: scale-in cooldown 60 s has 15 s left")),
                row("the scale-in cooldown is the policy's own", given().copies(4).load(4).lastScaleIn(ago(100))
                        .policies(tt("tt", CONCURRENCY, 4, 60, 300, false))
                        .expect(4, NONE, "deferred: scale-in cooldown 300 s has 200 s left")),
                row("once the cooldown passed the scale-in goes ahead", given().copies(4).load(4).lastScaleIn(ago(60))
                        .expect(2, SCALE_IN, "wants 2 copies (4 now)")),
                row("the scale-out cooldown does not hold a scale-in", given().copies(4).load(4).lastScaleOut(ago(60))
                        .policies(tt("tt", CONCURRENCY, 4, 600, 60, false))
                        .expect(2, SCALE_IN, "wants 2 copies (4 now)")),
                row("one scale-in removes at most half the copies", given().copies(10).load(0).lastLoad(ago(5))
                        .expect(5, SCALE_IN, "wants 0 copies, held to 1 (only scale to zero goes below 1) (10 now): at most 5 copies removed at once, to 5")),
                row("half of an odd count rounds down", given().copies(5).load(0).lastLoad(ago(5))
                        .expect(3, SCALE_IN, "at most 2 copies removed at once, to 3")),
                row("at least one copy goes however small the fraction", given().copies(3).load(0).lastLoad(ago(5))
                        .settings(s -> new ScalerSettings(s.burstThreshold(), s.scaleToZeroGrace(), 0.1, s.scaleInTolerance(), s.windows()))
                        .expect(2, SCALE_IN, "at most 1 copy removed at once, to 2")),
                row("a fraction of 1 removes all the policy asks for", given().copies(10).load(4)
                        .settings(s -> new ScalerSettings(s.burstThreshold(), s.scaleToZeroGrace(), 1.0, s.scaleInTolerance(), s.windows()))
                        .expect(2, SCALE_IN, "wants 2 copies (10 now)")),
                row("disableScaleIn keeps the copies", given().copies(4).load(4).policies(tt("tt", CONCURRENCY, 4, 60, 60, true))
                        .expect(4, NONE, "wants 2 copies (4 now): scale-in disabled by the policy")),
                row("disableScaleIn still scales out", given().copies(2).load(12).policies(tt("tt", CONCURRENCY, 4, 60, 60, true))
                        .expect(3, SCALE_OUT, "wants 3 copies (2 now)")),
                row("a suspended scale-in keeps the copies", given().copies(4).load(4).scaleInSuspended()
                        .expect(4, NONE, "wants 2 copies (4 now): scale-in suspended")),
                row("a suspended scale-in still scales out", given().copies(2).load(12).scaleInSuspended()
                        .expect(3, SCALE_OUT, "wants 3 copies (2 now)")),
                row("a suspended scale-out keeps the count and the need", given().copies(2).load(12).scaleOutSuspended()
                        .expect(2, NONE, "wants 3 copies (2 now): scale-out suspended")
                        .and(d -> assertThat(d.next().pressureSince()).isEqualTo(NOW))),
                row("a suspended scale-out holds a burst too", given().copies(1).stable(4).burst(40).scaleOutSuspended()
                        .expect(1, NONE, "burst mode: scale-out suspended")),
                row("a suspended scale-out still scales in", given().copies(4).load(4).scaleOutSuspended()
                        .expect(2, SCALE_IN, "wants 2 copies (4 now)")),
                row("scale-in never goes below one copy without the grace", given().copies(1).load(0).bounds(0, 10).lastLoad(ago(5))
                        .expect(1, NONE, "wants 0 copies, held to 1 (only scale to zero goes below 1) (1 now)")),
                row("scale-in stops at minCapacity", given().copies(5).load(0).bounds(3, 10)
                        .expect(3, SCALE_IN, "wants 0 copies, held to 3 (minCapacity) (5 now)")),
                row("at minCapacity the count holds", given().copies(3).load(0).bounds(3, 10)
                        .expect(3, NONE, "held to 3 (minCapacity) (3 now)")));
    }

    static Stream<Arguments> bounds() {
        return Stream.of(
                row("below minCapacity the count comes up at once", given().copies(1).load(4).bounds(3, 10)
                        .expect(3, SCALE_OUT, "below minCapacity 3 (1 now)")
                        .and(d -> assertThat(d.policyName()).isNull())
                        .and(d -> assertThat(d.thresholdCrossedAt()).isEqualTo(NOW))),
                row("below minCapacity the scale-out cooldown does not apply", given().copies(1).load(4).bounds(3, 10).lastScaleOut(ago(1))
                        .expect(3, SCALE_OUT, "below minCapacity 3 (1 now)")),
                row("below minCapacity with load wanting more takes the larger", given().copies(1).stable(20).burst(4).bounds(3, 10)
                        .expect(5, SCALE_OUT, "stable window 20.0 concurrent requests / target 4.0 per copy wants 5 copies (1 now)")),
                row("below minCapacity with scale-out suspended still comes up to it", given().copies(1).load(40).bounds(3, 10).scaleOutSuspended()
                        .expect(3, SCALE_OUT, "below minCapacity 3 (1 now)")),
                row("above maxCapacity the count comes down at once: no cooldown, no rate limit", given().copies(10).load(40).bounds(1, 4)
                        .lastScaleIn(ago(1))
                        .expect(4, SCALE_IN, "above maxCapacity 4 (10 now)")
                        .and(d -> assertThat(d.next().lastScaleInAt()).isEqualTo(NOW))),
                row("above maxCapacity even in burst mode", given().copies(10).stable(4).burst(80).bounds(1, 4).inBurstSince(ago(2), ago(2))
                        .expect(4, SCALE_IN, "above maxCapacity 4 (10 now)")),
                row("above maxCapacity even with scale-in suspended", given().copies(10).load(40).bounds(1, 4).scaleInSuspended()
                        .expect(4, SCALE_IN, "above maxCapacity 4 (10 now)")),
                row("without a policy the count holds whatever the load", given().copies(2).load(100).policies()
                        .expect(2, NONE, "no scaling policy (2 now)")),
                row("without a policy the bounds still apply", given().copies(1).policies().bounds(2, 10)
                        .expect(2, SCALE_OUT, "below minCapacity 2 (1 now); no scaling policy")),
                row("no load data yet changes nothing", given().copies(2).load(100).noData()
                        .expect(2, NONE, "no load data yet (2 now)")),
                row("no load data yet still corrects the bounds", given().copies(2).noData().bounds(3, 10)
                        .expect(3, SCALE_OUT, "below minCapacity 3 (2 now); no load data yet")),
                row("no load data yet still brings the count below maxCapacity", given().copies(12).noData()
                        .expect(10, SCALE_IN, "above maxCapacity 10 (12 now)")));
    }

    static Stream<Arguments> zero() {
        return Stream.of(
                row("a held request scales from zero", given().copies(0).bounds(0, 10).noData().lastLoad(null).held(1, ago(2))
                        .expect(1, SCALE_FROM_ZERO, "1 held request at 0 copies: scale from zero to 1 copy")
                        .and(d -> assertThat(d.thresholdCrossedAt()).isEqualTo(ago(2)))
                        .and(d -> assertThat(d.next().lastScaleOutAt()).isEqualTo(NOW))),
                row("from zero to what the burst window wants", given().copies(0).bounds(0, 10).stable(1).burst(12).held(3, ago(1))
                        .expect(3, SCALE_FROM_ZERO, "3 held requests at 0 copies: scale from zero to 3 copies")),
                row("from zero to minCapacity at least", given().copies(0).bounds(2, 10).held(1, ago(1))
                        .expect(2, SCALE_FROM_ZERO, "scale from zero to 2 copies")),
                row("from zero held to maxCapacity", given().copies(0).bounds(0, 4).burst(100).held(30, ago(1))
                        .expect(4, SCALE_FROM_ZERO, "scale from zero to 4 copies, held to maxCapacity 4")),
                row("from zero no cooldown applies: a request waits", given().copies(0).bounds(0, 10).held(1, ago(1)).lastScaleOut(ago(1))
                        .lastScaleIn(ago(1))
                        .expect(1, SCALE_FROM_ZERO, "scale from zero to 1 copy")),
                row("from zero with invalid readings still uses the burst window", given().copies(0).bounds(0, 10).noData().burst(8).held(2, ago(1))
                        .expect(2, SCALE_FROM_ZERO, "scale from zero to 2 copies")),
                row("load in the burst window without a held request scales from zero", given().copies(0).bounds(0, 10).burst(2)
                        .expect(1, SCALE_FROM_ZERO, "burst window 2.0 concurrent requests at 0 copies: scale from zero to 1 copy")
                        .and(d -> assertThat(d.thresholdCrossedAt()).isEqualTo(NOW))),
                row("load the burst window still shows from before scaling to zero does not bring a copy back",
                        given().copies(0).bounds(0, 10).burst(2).lastLoad(ago(4)).lastScaleIn(ago(2))
                        .expect(0, NONE, "nothing waiting or in flight at 0 copies")),
                row("load that came after scaling to zero brings a copy back",
                        given().copies(0).bounds(0, 10).burst(2).lastLoad(ago(1)).lastScaleIn(ago(2))
                        .expect(1, SCALE_FROM_ZERO, "burst window 2.0 concurrent requests at 0 copies: scale from zero to 1 copy")),
                row("invocations in the burst window without a held request scale from zero", given().copies(0).bounds(0, 10)
                        .invocationsPerMinute(6, 60)
                        .expect(1, SCALE_FROM_ZERO, "burst window 60.0 invocations per minute at 0 copies: scale from zero to 1 copy")),
                row("from zero without a policy goes to one copy", given().copies(0).bounds(0, 10).policies().held(5, ago(1))
                        .expect(1, SCALE_FROM_ZERO, "5 held requests at 0 copies: scale from zero to 1 copy")),
                row("from zero with scale-out suspended the request waits", given().copies(0).bounds(0, 10).held(1, ago(3)).scaleOutSuspended()
                        .expect(0, NONE, "1 held request at 0 copies: scale-out suspended")
                        .and(d -> assertThat(d.next().pressureSince()).isEqualTo(NOW))),
                row("zero copies and nothing waiting stay at zero", given().copies(0).bounds(0, 10).load(0).lastLoad(ago(500))
                        .expect(0, NONE, "nothing waiting or in flight at 0 copies")),
                row("zero copies below minCapacity come up to it", given().copies(0).bounds(2, 10).load(0)
                        .expect(2, SCALE_OUT, "below minCapacity 2 (0 now)")),
                row("idle for the grace goes straight to zero", given().copies(3).bounds(0, 10).load(0).lastLoad(ago(121))
                        .expect(0, SCALE_TO_ZERO, "last load at 2026-11-23T09:57:59Z, idle 120 s, scale-to-zero grace 120 s: scale to zero (3 now)")
                        .and(d -> assertThat(d.next().lastScaleInAt()).isEqualTo(NOW))
                        .and(d -> assertThat(d.thresholdCrossedAt()).isNull())),
                row("one second short of the grace keeps the copy", given().copies(1).bounds(0, 10).load(0).lastLoad(ago(120))
                        .expect(1, NONE, "held to 1 (only scale to zero goes below 1) (1 now)")),
                row("the grace is a setting", given().copies(1).bounds(0, 10).load(0).lastLoad(ago(31))
                        .settings(s -> new ScalerSettings(s.burstThreshold(), Duration.ofSeconds(30), s.maxScaleInFraction(), s.scaleInTolerance(), s.windows()))
                        .expect(0, SCALE_TO_ZERO, "idle 30 s, scale-to-zero grace 30 s")),
                row("the scale-in cooldown does not hold scale to zero: the grace is longer", given().copies(2).bounds(0, 10).load(0)
                        .lastLoad(ago(200)).lastScaleIn(ago(1))
                        .expect(0, SCALE_TO_ZERO, "scale to zero (2 now)")),
                row("never seen busy: the grace counts from the last scale-out", given().copies(1).bounds(0, 10).load(0).lastLoad(null)
                        .lastScaleOut(ago(120))
                        .expect(0, SCALE_TO_ZERO, "nothing seen since 2026-11-23T09:58:00Z, idle 120 s")),
                row("never seen busy and scaled out inside the grace keeps the copy", given().copies(1).bounds(0, 10).load(0).lastLoad(null)
                        .lastScaleOut(ago(119))
                        .expect(1, NONE, "(1 now)")),
                row("busy before the last scale-out: the grace counts from the scale-out", given().copies(1).bounds(0, 10).load(0)
                        .lastLoad(ago(500)).lastScaleOut(ago(60))
                        .expect(1, NONE, "(1 now)")),
                row("no data at all for the grace goes to zero", given().copies(2).bounds(0, 10).noData().lastLoad(ago(300))
                        .expect(0, SCALE_TO_ZERO, "idle 299 s")),
                row("a new leader waits a whole grace from its first tick", given().copies(2).bounds(0, 10).noData().lastLoad(null)
                        .restored(ago(1000), ago(900))
                        .expect(2, NONE, "no load data yet (2 now)")
                        .and(d -> assertThat(d.next().observedSince()).isEqualTo(NOW))),
                row("a new leader goes to zero a grace after its first tick", given().copies(2).bounds(0, 10).noData().lastLoad(null)
                        .restored(ago(1000), ago(900)).state(s -> s.observedFrom(ago(120)))
                        .expect(0, SCALE_TO_ZERO, "nothing seen since 2026-11-23T09:58:00Z")),
                row("minCapacity 1 never goes to zero", given().copies(1).bounds(1, 10).load(0).lastLoad(ago(1000))
                        .expect(1, NONE, "(1 now)")),
                row("a suspended scale-in never goes to zero", given().copies(1).bounds(0, 10).load(0).lastLoad(ago(1000)).scaleInSuspended()
                        .expect(1, NONE, "(1 now)")),
                row("disableScaleIn never goes to zero", given().copies(1).bounds(0, 10).load(0).lastLoad(ago(1000))
                        .policies(tt("tt", CONCURRENCY, 4, 60, 60, true))
                        .expect(1, NONE, "(1 now)")),
                row("a held request keeps the copies", given().copies(1).bounds(0, 10).load(0).lastLoad(ago(1000)).held(1, ago(1))
                        .expect(1, NONE, "(1 now)")),
                row("without a policy never goes to zero", given().copies(1).bounds(0, 10).load(0).lastLoad(ago(1000)).policies()
                        .expect(1, NONE, "no scaling policy (1 now)")),
                row("burst mode never goes to zero", given().copies(2).bounds(0, 10).load(0).lastLoad(ago(40))
                        .settings(s -> new ScalerSettings(s.burstThreshold(), Duration.ofSeconds(30), s.maxScaleInFraction(), s.scaleInTolerance(), s.windows()))
                        .inBurstSince(ago(40), ago(35))
                        .expect(2, NONE, "burst mode")));
    }

    static Stream<Arguments> stepScaling() {
        var upSteps = new dev.kindling.scaler.policy.StepAdjustment[] {at(0.0, 10.0, 1), at(10.0, null, 3)};
        return Stream.of(
                row("ChangeInCapacity adds the copies of the step holding metric - threshold", given().copies(2).load(4).highResolution(50)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps))
                        .expect(5, SCALE_OUT, "high-resolution period 25.0 concurrent requests per copy is 15.0 from threshold 10.0: step [10.0, +inf) changes by +3: 5 copies (2 now)")
                        .and(d -> assertThat(d.next().lastStepAt()).containsEntry("step", NOW))
                        .and(d -> assertThat(d.policyName()).isEqualTo("step"))),
                row("a step's lower bound is inclusive", given().copies(2).load(4).highResolution(40)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps))
                        .expect(5, SCALE_OUT, "is 10.0 from threshold 10.0: step [10.0, +inf) changes by +3")),
                row("a step's upper bound is exclusive", given().copies(2).load(4).highResolution(39.98)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps))
                        .expect(3, SCALE_OUT, "step [0.0, 10.0) changes by +1: 3 copies (2 now)")),
                row("the metric is per copy of the current count", given().copies(4).load(4).highResolution(50)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps))
                        .expect(5, SCALE_OUT, "12.5 concurrent requests per copy is 2.5 from threshold 10.0")),
                row("the high-resolution period decides a step, not the burst window", given().copies(2).stable(100).burst(100).highResolution(8)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps))
                        .expect(2, NONE, "high-resolution period 4.0 concurrent requests per copy is -6.0 from threshold 10.0: no step covers it (2 now)")),
                row("a negative step scales in", given().copies(3).load(6)
                        .policies(step(ChangeInCapacity, 10, 60, null, at(null, 0.0, -1), at(0.0, null, 1)))
                        .expect(2, SCALE_IN, "is -8.0 from threshold 10.0: step [-inf, 0.0) changes by -1: 2 copies (3 now)")
                        .and(d -> assertThat(d.next().lastStepAt()).containsEntry("step", NOW))),
                row("PercentChangeInCapacity rounds away from zero", given().copies(3).load(4).highResolution(60)
                        .policies(step(PercentChangeInCapacity, 10, 60, null, at(0.0, null, 50)))
                        .expect(5, SCALE_OUT, "changes by 50% = +2: 5 copies (3 now)")),
                row("a whole percent needs no rounding", given().copies(4).load(4).highResolution(80)
                        .policies(step(PercentChangeInCapacity, 10, 60, null, at(0.0, null, 50)))
                        .expect(6, SCALE_OUT, "changes by 50% = +2: 6 copies (4 now)")),
                row("a negative percent rounds away from zero too", given().copies(5).load(5)
                        .policies(step(PercentChangeInCapacity, 10, 60, null, at(null, 0.0, -30)))
                        .expect(3, SCALE_IN, "changes by -30% = -2: 3 copies (5 now)")),
                row("a small percent still moves a whole copy", given().copies(3).load(4).highResolution(60)
                        .policies(step(PercentChangeInCapacity, 10, 60, null, at(0.0, null, 10)))
                        .expect(4, SCALE_OUT, "changes by 10% = +1: 4 copies (3 now)")),
                row("a percent below minAdjustmentMagnitude takes the magnitude", given().copies(3).load(4).highResolution(60)
                        .policies(step(PercentChangeInCapacity, 10, 60, 2, at(0.0, null, 10)))
                        .expect(5, SCALE_OUT, "changes by 10% = +2: 5 copies (3 now)")),
                row("a percent above minAdjustmentMagnitude keeps its own size", given().copies(8).load(4).highResolution(160)
                        .policies(step(PercentChangeInCapacity, 10, 60, 2, at(0.0, null, 50)))
                        .expect(10, SCALE_OUT, "changes by 50% = +4: 12 copies, held to maxCapacity 10 (8 now)")),
                row("ExactCapacity sets the count", given().copies(2).load(4).highResolution(40)
                        .policies(step(ExactCapacity, 10, 60, null, at(0.0, null, 6)))
                        .expect(6, SCALE_OUT, "step [0.0, +inf) sets 6 copies: 6 copies (2 now)")),
                row("ExactCapacity 0 stops at one copy: only the grace goes to zero", given().copies(2).bounds(0, 10).load(0)
                        .policies(step(ExactCapacity, 10, 60, null, at(null, 0.0, 0)))
                        .expect(1, SCALE_IN, "sets 0 copies: 0 copies, held to 1 (only scale to zero goes below 1) (2 now)")),
                row("a step is held to maxCapacity", given().copies(8).load(4).highResolution(200)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps))
                        .expect(10, SCALE_OUT, "changes by +3: 11 copies, held to maxCapacity 10 (8 now)")),
                row("the step cooldown defers the next step of that policy", given().copies(2).load(4).highResolution(50)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps)).lastStep("step", ago(30))
                        .expect(2, NONE, "changes by +3: 5 copies (2 now): deferred: step cooldown 60 s has 30 s left")
                        .and(d -> assertThat(d.next().pressureSince()).isEqualTo(NOW))),
                row("another policy's step does not hold this one", given().copies(2).load(4).highResolution(50)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps)).lastStep("other", ago(30))
                        .expect(5, SCALE_OUT, "changes by +3")),
                row("after the step cooldown the policy steps again", given().copies(2).load(4).highResolution(50)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps)).lastStep("step", ago(60))
                        .expect(5, SCALE_OUT, "changes by +3")
                        .and(d -> assertThat(d.next().lastStepAt()).containsEntry("step", NOW))),
                row("the step cooldown holds a step down too", given().copies(3).load(6)
                        .policies(step(ChangeInCapacity, 10, 60, null, at(null, 0.0, -1), at(0.0, null, 1))).lastStep("step", ago(10))
                        .expect(3, NONE, "deferred: step cooldown 60 s has 50 s left")),
                row("the target-tracking scale-out cooldown does not hold a step", given().copies(2).load(4).highResolution(50)
                        .policies(step(ChangeInCapacity, 10, 60, null, upSteps)).lastScaleOut(ago(1))
                        .expect(5, SCALE_OUT, "changes by +3")),
                row("a step down in burst mode waits", given().copies(3).load(6).inBurstSince(ago(10), ago(10))
                        .policies(step(ChangeInCapacity, 10, 60, null, at(null, 0.0, -1), at(0.0, null, 1)))
                        .expect(3, NONE, "no scale-in in burst mode")),
                row("a step on invocations per copy reads the stable window per copy", given().copies(2).load(4).invocationsPerMinute(600, 0)
                        .policies(step("inv-step", INVOCATIONS, ChangeInCapacity, 100, 60, null, at(0.0, null, 1)))
                        .expect(3, SCALE_OUT, "stable window 300.0 invocations per minute per copy is 200.0 from threshold 100.0: step [0.0, +inf) changes by +1")));
    }

    static Stream<Arguments> severalPolicies() {
        var up = step(ChangeInCapacity, 10, 60, null, at(null, 0.0, -1), at(0.0, null, 3));
        return Stream.of(
                row("scale out to the largest count wanted", given().copies(2).load(12).highResolution(40).policies(tt(4), up)
                        .expect(5, SCALE_OUT, "step: high-resolution period 20.0 concurrent requests per copy")
                        .and(d -> assertThat(d.policyName()).isEqualTo("step"))),
                row("a policy held by its cooldown leaves the scale-out to the others", given().copies(2).stable(24).burst(4).highResolution(24)
                        .lastScaleOut(ago(10)).policies(tt(4), up)
                        .expect(5, SCALE_OUT, "step: ")
                        .and(d -> assertThat(d.next().pressureSince()).as("tt still wants 6").isEqualTo(NOW))),
                row("scale in only when every policy wants fewer", given().copies(4).load(4).highResolution(50).policies(tt(4),
                                step(ChangeInCapacity, 10, 60, null, at(null, 0.0, -1)))
                        .expect(4, NONE, "tt: stable window 4.0 concurrent requests / (target 4.0 x 0.9) per copy wants 2 copies (4 now); step: ")),
                row("when every policy wants fewer, scale in to the largest of them", given().copies(4).load(10).highResolution(10)
                        .policies(tt(4), up)
                        .expect(3, SCALE_IN, "tt: stable window 10.0 concurrent requests / (target 4.0 x 0.9) per copy wants 3 copies (4 now)")
                        .and(d -> assertThat(d.policyName()).isEqualTo("tt"))
                        .and(d -> assertThat(d.next().lastStepAt()).as("the step policy's count was met").containsEntry("step", NOW))),
                row("one policy wanting more beats every policy wanting fewer", given().copies(4).load(4).highResolution(60)
                        .policies(tt(4), up)
                        .expect(7, SCALE_OUT, "step: ")),
                row("a policy with disableScaleIn leaves the scale-in vote to the others", given().copies(4).load(4)
                        .policies(tt("keep", CONCURRENCY, 4, 60, 60, true), tt("loose", CONCURRENCY, 8, 60, 60, false))
                        .expect(2, SCALE_IN, "loose: stable window 4.0 concurrent requests / (target 8.0 x 0.9) per copy wants 1 copy (4 now)")),
                row("a scale-in voted by the others stops where a policy with disableScaleIn would scale out again", given().copies(6).load(16)
                        .policies(tt("keep", CONCURRENCY, 4, 60, 60, true), tt("loose", CONCURRENCY, 8, 60, 60, false))
                        .expect(4, SCALE_IN, "loose: stable window 16.0 concurrent requests / (target 8.0 x 0.9) per copy wants 3 copies (6 now): keep needs 4 copies")),
                row("at what a policy with disableScaleIn needs the count holds", given().copies(4).load(16)
                        .policies(tt("keep", CONCURRENCY, 4, 60, 60, true), tt("loose", CONCURRENCY, 8, 60, 60, false))
                        .expect(4, NONE, "wants 3 copies (4 now): keep needs 4 copies")),
                row("when every policy disables scale-in the count holds", given().copies(4).load(4)
                        .policies(tt("a", CONCURRENCY, 4, 60, 60, true), tt("b", CONCURRENCY, 8, 60, 60, true))
                        .expect(4, NONE, "a: stable window 4.0 concurrent requests / (target 4.0 x 0.9) per copy wants 2 copies (4 now): scale-in disabled by the policy")),
                row("a voter in its scale-in cooldown holds the scale-in", given().copies(4).load(4).lastScaleIn(ago(100))
                        .policies(tt("short", CONCURRENCY, 4, 60, 60, false), tt("long", CONCURRENCY, 8, 60, 300, false))
                        .expect(4, NONE, "long: stable window 4.0 concurrent requests / (target 8.0 x 0.9) per copy wants 1 copy (4 now): deferred: scale-in cooldown 300 s has 200 s left")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"targetTracking", "burst", "scaleIn", "bounds", "zero", "stepScaling", "severalPolicies"})
    void decides(String label, Given.Expect expect) {
        Decision d = expect.given().decide();
        assertThat(d.reason()).as("reason").contains(expect.reason());
        assertThat(d.desiredCopies()).as(d.reason()).isEqualTo(expect.desired());
        assertThat(d.kind()).as(d.reason()).isEqualTo(expect.kind());
        assertThat(d.burst()).as("burst flag is the next state's").isEqualTo(d.next().burstMode());
        expect.checks().forEach(check -> check.accept(d));
    }
}
