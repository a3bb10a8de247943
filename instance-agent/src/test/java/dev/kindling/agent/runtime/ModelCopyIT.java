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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One copy's life: start its server, wait for the first good /ping, report; fail or stop without leaving a server. */
class ModelCopyIT {

    private final TestHttp http = new TestHttp();
    private final List<ModelCopy> copies = new ArrayList<>();
    private final AtomicInteger changes = new AtomicInteger();

    @AfterEach
    void tearDown() {
        copies.forEach(ModelCopy::stop);
        http.close();
    }

    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20));
    }

    private ModelCopy start(String id, Map<String, String> env, int healthCheckTimeoutSeconds) {
        ModelCopy copy = ModelCopy.start(new CopyAssignment(id, "model-a", 1, "repo/model:1", null, env, 1024, 600,
                healthCheckTimeoutSeconds), "127.0.0.1", changes::incrementAndGet);
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
    void aCopyStoppedBeforeItsServerIsUpLeavesNoServerBehind() {
        // Stopped at once, before its starter thread has run: the race the agent hits when an assignment is
        // withdrawn right after it was given.
        ModelCopy copy = start("kc-withdrawn", Map.of(), 600);
        copy.stop();

        URI server = URI.create(await().until(() -> copy.report().modelServerUrl(), url -> url != null));
        await().until(() -> http.refuses(server));
        assertThat(copy.report().state()).isNotEqualTo(CopyState.InService);
    }
}
