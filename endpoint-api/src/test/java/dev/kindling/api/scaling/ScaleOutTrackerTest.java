package dev.kindling.api.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.api.model.ScalingEventView;
import dev.kindling.api.model.StartupJson;
import dev.kindling.db.model.ScalingEvent;
import dev.kindling.db.store.ScalingEventStore.EventCopy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a scale-out's phases follow from its copies and instances. */
class ScaleOutTrackerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration GIVE_UP = Duration.ofMinutes(15);

    private static Instant t(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    private static ScalingEvent event(int from, int to) {
        return new ScalingEvent("se-1", "ep", "ic", "AllTraffic", ScalingEvent.Kind.ScaleOut,
                ScalingEvent.Status.InProgress, from, to, "p", true, "burst", t(0), t(1), null, null, null, null, null,
                null, null, null, null, "[]");
    }

    private static String startup(double imageEnd, double modelEnd, double healthEnd, String imageTier, String modelTier) {
        return StartupJson.write(new CopyStartup(List.of(
                new CopyStartup.Phase(CopyStartup.IMAGE, t(3), t(imageEnd), 10L, 10L),
                new CopyStartup.Phase(CopyStartup.MODEL, t(3), t(modelEnd), 5L, 5L),
                new CopyStartup.Phase(CopyStartup.CONTAINER_START, t(Math.max(imageEnd, modelEnd)), t(healthEnd - 0.5), null, null),
                new CopyStartup.Phase(CopyStartup.HEALTH_CHECK, t(healthEnd - 0.5), t(healthEnd), null, null)),
                List.of(new CopyStartup.TierUsage("image", imageTier, 3, 10), new CopyStartup.TierUsage("image", "local", 0, 0),
                        new CopyStartup.TierUsage("model", modelTier, 1, 5)), List.of()));
    }

    /** A copy on an instance launched for a scale-out after the decision, registered {@code registered}. */
    private static EventCopy copy(String id, String status, String startup, Instant ready, Instant served) {
        return copy(id, status, startup, ready, served, t(2.5));
    }

    private static EventCopy copy(String id, String status, String startup, Instant ready, Instant served,
                                  Instant registered) {
        return new EventCopy(id, "se-1", "ki-" + id, status, t(2), ready, served, startup, t(1.5), registered, "se-1");
    }

    /** A copy on an instance that was there before the scale-out. */
    private static EventCopy onExistingInstance(String id, String status, String startup, Instant ready, Instant served) {
        return new EventCopy(id, "se-1", "ki-old", status, t(2), ready, served, startup, T0.minusSeconds(600),
                T0.minusSeconds(590), null);
    }

    @Test
    void phasesAreWhenTheLastNeededCopyReachedThemAndTheEventCompletesWithItsFirstRequest() {
        ScalingEvent e = event(1, 3);
        ScalingEvent half = ScaleOutTracker.track(e, List.of(
                copy("a", "InService", startup(5, 6, 7, "registry", "s3"), t(7), t(8)),
                copy("b", "Starting", null, null, null, null)), null, t(8), GIVE_UP);
        assertThat(half.status()).isEqualTo(ScalingEvent.Status.InProgress);
        assertThat(half.instanceRequestedAt()).isEqualTo(t(1.5));
        assertThat(half.instanceReadyAt()).as("b's instance has not registered").isNull();
        assertThat(half.imageReadyAt()).as("only one of two copies has its image").isNull();

        ScalingEvent done = ScaleOutTracker.track(half, List.of(
                copy("a", "InService", startup(5, 6, 7, "registry", "s3"), t(7), t(8)),
                copy("b", "InService", startup(9, 4, 10, "local", "s3"), t(10), t(12))), null, t(12), GIVE_UP);
        assertThat(done.status()).isEqualTo(ScalingEvent.Status.Completed);
        assertThat(done.instanceReadyAt()).isEqualTo(t(2.5));
        assertThat(done.imageReadyAt()).isEqualTo(t(9));
        assertThat(done.modelReadyAt()).isEqualTo(t(6));
        assertThat(done.containerHealthyAt()).isEqualTo(t(10));
        assertThat(done.firstRequestAt()).isEqualTo(t(12));
        assertThat(done.imageTier()).isEqualTo("local,registry");
        assertThat(done.modelTier()).isEqualTo("s3");
        assertThat(ScaleOutTracker.readCopies(done.copiesJson())).hasSize(2);

        ScalingEventView.Durations d = ScalingEventView.durations(done);
        assertThat(d.detectSeconds()).isEqualTo(1.0);
        assertThat(d.provisionSeconds()).isEqualTo(1.0);
        assertThat(d.imageSeconds()).as("from the instance being ready").isEqualTo(6.5);
        assertThat(d.containerSeconds()).isEqualTo(1.0);
        assertThat(d.firstRequestSeconds()).isEqualTo(2.0);
        assertThat(d.totalSeconds()).isEqualTo(12.0);

        assertThat(ScaleOutTracker.track(done, List.of(), null, t(20), GIVE_UP)).as("finished events stay")
                .isEqualTo(done);
    }

    @Test
    void aFailedCopyIsRememberedAndItsReplacementCompletesTheEvent() {
        ScalingEvent e = event(0, 1);
        ScalingEvent first = ScaleOutTracker.track(e, List.of(onExistingInstance("a", "Failed",
                startup(5, 6, 7, "registry", "s3"), null, null)), null, t(8), GIVE_UP);
        assertThat(first.imageReadyAt()).isEqualTo(t(5));
        // The failed copy is deleted; its replacement serves.
        ScalingEvent done = ScaleOutTracker.track(first, List.of(onExistingInstance("b", "InService",
                startup(9, 9, 11, "local", "local"), t(11), t(13))), null, t(13), GIVE_UP);
        assertThat(done.status()).isEqualTo(ScalingEvent.Status.Completed);
        assertThat(done.firstRequestAt()).isEqualTo(t(13));
        assertThat(ScaleOutTracker.readCopies(done.copiesJson())).extracting(ScaleOutTracker.CopyPhases::status)
                .containsExactly("Failed", "InService");
        assertThat(done.instanceRequestedAt()).as("no copy waited for a new instance").isNull();
        assertThat(ScalingEventView.durations(done).provisionSeconds()).isNull();
    }

    @Test
    void aLaterScaleInSupersedesAndAStuckEventGivesUp() {
        ScalingEvent e = event(1, 4);
        assertThat(ScaleOutTracker.track(e, List.of(), t(5), t(6), GIVE_UP).status())
                .isEqualTo(ScalingEvent.Status.Superseded);
        assertThat(ScaleOutTracker.track(e, List.of(), t(0.5), t(6), GIVE_UP).status())
                .as("a scale-in before the decision does not count").isEqualTo(ScalingEvent.Status.InProgress);
        ScalingEvent late = ScaleOutTracker.track(e, List.of(), null, t(1).plus(GIVE_UP), GIVE_UP);
        assertThat(late.status()).isEqualTo(ScalingEvent.Status.Incomplete);
        assertThat(late.completedAt()).isEqualTo(t(1).plus(GIVE_UP));
    }
}
