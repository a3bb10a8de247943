package dev.kindling.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.TestHttp;
import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyState;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import dev.kindling.agent.protocol.CopyStartup;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/** One copy's life: start its server, wait for the first good /ping, report; fail or stop without leaving a server. */
class ModelCopyIT {

    @TempDir
    Path dir;
    private FakeCopyData data;
    private final TestHttp http = new TestHttp();
    private final List<ModelCopy> copies = new ArrayList<>();
    private final AtomicInteger changes = new AtomicInteger();

    @BeforeEach
    void data() {
        data = new FakeCopyData(dir);
    }

    @AfterEach
    void tearDown() {
        copies.forEach(ModelCopy::stop);
        http.close();
    }

    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20));
    }

    private ModelCopy start(String id, Map<String, String> env, int healthCheckTimeoutSeconds) {
        ModelCopy copy = ModelCopy.start(new CopyAssignment(id, "model-a", 1, "repo/model:1", "s3://models/a/", env, 1024, 600,
                healthCheckTimeoutSeconds), "127.0.0.1", data, changes::incrementAndGet);
        copies.add(copy);
        return copy;
    }

    private static CopyReport awaitState(ModelCopy copy, CopyState state) {
        return await().until(copy::report, r -> r.state() == state);
    }

    @Test
    void aCopyStartsStartingAndBecomesInServiceOnceItsServerAnswersPing() {
        ModelCopy copy = start("kc-ok", Map.of(), 600);
        assertThat(copy.report().copyId()).isEqualTo("kc-ok");

        CopyReport ready = awaitState(copy, CopyState.InService);

        assertThat(ready.readyAt()).isNotNull();
        assertThat(ready.failureReason()).isNull();
        assertThat(http.get(URI.create(ready.modelServerUrl()), "/ping").statusCode()).isEqualTo(200);
        // The agent is told, so the new state goes out without waiting for the next heartbeat.
        await().until(() -> changes.get() == 1);
    }

    @Test
    void aServerThatExitsAtStartFailsTheCopyWithItsMessage() {
        ModelCopy copy = start("kc-exit", Map.of("KINDLING_EMULATED_EXIT_ON_START", "boom: no GPU"), 600);

        CopyReport failed = awaitState(copy, CopyState.Failed);

        assertThat(failed.failureReason()).contains("boom: no GPU");
        assertThat(failed.readyAt()).isNull();
        assertThat(failed.modelServerUrl()).as("nothing listens for a crashed container").isNull();
        await().until(() -> changes.get() == 1);
    }

    @Test
    void aServerThatNeverPassesPingWithinTheTimeoutFailsTheCopyAndIsStopped() {
        ModelCopy copy = start("kc-slow", Map.of("KINDLING_EMULATED_STARTUP_MILLIS", "600000"), 1);

        CopyReport failed = awaitState(copy, CopyState.Failed);

        assertThat(failed.failureReason()).contains("did not pass GET /ping within 1 s").contains("HTTP 503");
        assertThat(http.refuses(URI.create(failed.modelServerUrl()))).isTrue();
    }

    @Test
    void stoppingAServingCopyStopsItsServer() {
        ModelCopy copy = start("kc-stop", Map.of(), 600);
        URI server = URI.create(awaitState(copy, CopyState.InService).modelServerUrl());

        copy.stop();

        await().until(() -> http.refuses(server));
    }

    @Test
    void aCopyStoppedWhileItsImageArrivesNeverStartsAServer() {
        // Withdrawn while it prepares: the race the agent hits when an assignment is withdrawn right after it was given.
        data.gate("repo/model:1");
        ModelCopy copy = start("kc-withdrawn", Map.of(), 600);
        await().until(() -> copy.report().startup().phases().size() == 2); // image and model under way

        copy.stop();

        await().until(() -> data.interrupted.get() == 1);
        assertThat(copy.report().modelServerUrl()).isNull();
        assertThat(copy.report().state()).isNotEqualTo(CopyState.InService);
        await().until(() -> data.released.get() == data.held.get()); // the model it had prepared is let go
    }

    @Test
    void aStartReportsEachPhaseInOrderWithTheTiersThatServedImageAndModel() throws Exception {
        ModelCopy copy = start("kc-phases", Map.of(), 600);
        CopyReport ready = awaitState(copy, CopyState.InService);

        CopyStartup startup = ready.startup();
        assertThat(startup.phases()).extracting(CopyStartup.Phase::name).containsExactly(
                CopyStartup.IMAGE, CopyStartup.MODEL, CopyStartup.CONTAINER_START, CopyStartup.HEALTH_CHECK);
        assertThat(startup.phases()).allSatisfy(p -> assertThat(p.endedAt()).isAfterOrEqualTo(p.startedAt()));
        CopyStartup.Phase image = startup.phases().getFirst();
        assertThat(image.bytesDone()).isEqualTo(1000);
        assertThat(image.bytesTotal()).isEqualTo(1000);
        // The container starts only once both image and model are ready.
        Instant bothReady = startup.phases().get(0).endedAt().isAfter(startup.phases().get(1).endedAt())
                ? startup.phases().get(0).endedAt() : startup.phases().get(1).endedAt();
        assertThat(startup.phases().get(2).startedAt()).isAfterOrEqualTo(bothReady);
        assertThat(startup.tiers()).extracting(CopyStartup.TierUsage::artifact).containsExactlyInAnyOrder("image", "model");
        // The model server was given the model directory.
        String answer = http.post(URI.create(ready.modelServerUrl()), "/invocations", "application/json", "{}").body();
        assertThat(answer).contains("\"model\":{\"files\":1,\"bytes\":10}");
    }

    @Test
    void aStartInProgressShowsWhichPhasesAreUnderWay() {
        CountDownLatch model = data.gate("s3://models/a/");
        ModelCopy copy = start("kc-progress", Map.of(), 600);

        CopyStartup during = await().until(() -> copy.report().startup(),
                s -> s.phases().stream().anyMatch(p -> p.name().equals(CopyStartup.IMAGE) && p.endedAt() != null));
        CopyStartup.Phase modelPhase = during.phases().stream().filter(p -> p.name().equals(CopyStartup.MODEL)).findFirst().orElseThrow();
        assertThat(modelPhase.endedAt()).as("the model is still downloading").isNull();
        assertThat(modelPhase.bytesTotal()).isEqualTo(1000);
        assertThat(copy.report().state()).isEqualTo(CopyState.Starting);

        model.countDown();
        awaitState(copy, CopyState.InService);
    }

    @Test
    void aModelThatCannotBeFetchedFailsTheCopyAtOnceAndStopsWaitingForTheImage() {
        data.gate("repo/model:1"); // the image never arrives
        data.failing("s3://models/a/", "NoSuchBucket: models");
        ModelCopy copy = start("kc-no-model", Map.of(), 600);

        CopyReport failed = awaitState(copy, CopyState.Failed);

        assertThat(failed.failureReason()).isEqualTo("model s3://models/a/: NoSuchBucket: models");
        await().until(() -> data.interrupted.get() == 1);
        assertThat(failed.modelServerUrl()).isNull();
        // The failed start keeps its timing: both phases end when it failed.
        assertThat(failed.startup().phases()).extracting(CopyStartup.Phase::name)
                .containsExactly(CopyStartup.IMAGE, CopyStartup.MODEL);
        assertThat(failed.startup().phases()).allSatisfy(p -> assertThat(p.endedAt()).isNotNull());
    }

    @Test
    void aModelNotReadyWithinTheDownloadTimeoutFailsTheCopy() {
        data.gate("s3://models/a/");
        ModelCopy copy = ModelCopy.start(new CopyAssignment("kc-model-timeout", "model-a", 1, "repo/model:1",
                "s3://models/a/", Map.of(), 1024, 1, 600), "127.0.0.1", data, changes::incrementAndGet);
        copies.add(copy);

        CopyReport failed = awaitState(copy, CopyState.Failed);

        assertThat(failed.failureReason()).isEqualTo(
                "model s3://models/a/ was not ready within 1 s (modelDataDownloadTimeoutInSeconds)");
        await().until(() -> data.released.get() == 1); // the image it had prepared
    }

    @Test
    void stoppingACopyLetsGoOfItsImageAndModel() {
        ModelCopy copy = start("kc-release", Map.of(), 600);
        awaitState(copy, CopyState.InService);
        assertThat(data.held.get()).isEqualTo(2);
        assertThat(data.released.get()).isZero();

        copy.stop();

        assertThat(data.released.get()).isEqualTo(2);
    }

    @Test
    void aFailedCopyLetsGoOfWhatItPrepared() {
        ModelCopy copy = start("kc-crash-release", Map.of("KINDLING_EMULATED_EXIT_ON_START", "boom"), 600);
        awaitState(copy, CopyState.Failed);
        await().until(() -> data.released.get() == 2);
    }
}
