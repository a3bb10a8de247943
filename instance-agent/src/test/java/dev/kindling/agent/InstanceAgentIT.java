package dev.kindling.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyState;
import dev.kindling.agent.protocol.Heartbeat;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent against a fake control plane: it registers, heartbeats, starts the copies it is given behind the
 * SageMaker container contract, reports their state, stops what it no longer should run, and shuts down when
 * the control plane says its instance is gone.
 */
class InstanceAgentIT {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeControlPlane controlPlane;
    private InstanceAgent agent;

    @AfterEach
    void tearDown() {
        if (agent != null) agent.close();
        if (controlPlane != null) controlPlane.close();
        http.close();
    }

    private InstanceAgent start(URI controlPlaneUrl) {
        agent = InstanceAgent.start(new AgentSettings("ki-test", "ml.g5.xlarge", controlPlaneUrl, Duration.ofMillis(50),
                "127.0.0.1"));
        return agent;
    }

    private static CopyAssignment copy(String id, Map<String, String> env) {
        return new CopyAssignment(id, "model", 1, "repo/model:1", null, env, 1024, 600, 600);
    }

    private Optional<CopyReport> reported(String copyId) {
        Heartbeat last = controlPlane.lastHeartbeat();
        return last == null ? Optional.empty() : last.copies().stream().filter(c -> c.copyId().equals(copyId)).findFirst();
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void registersThenRunsItsCopiesBehindTheSageMakerContract() throws Exception {
        controlPlane = new FakeControlPlane(0);
        start(controlPlane.url());
        Awaitility.await().atMost(WAIT).until(() -> controlPlane.heartbeats.size() >= 2);
        assertThat(controlPlane.registrations).first().satisfies(r -> {
            assertThat(r.instanceType()).isEqualTo("ml.g5.xlarge");
            assertThat(r.agentUrl()).isEqualTo(agent.url().toString());
        });

        controlPlane.desired = List.of(copy("kc-1", Map.of()));
        Awaitility.await().atMost(WAIT).until(() -> reported("kc-1").map(r -> r.state() == CopyState.InService).orElse(false));
        CopyReport report = reported("kc-1").orElseThrow();
        assertThat(report.readyAt()).isNotNull();
        URI server = URI.create(report.modelServerUrl());

        assertThat(send(HttpRequest.newBuilder(server.resolve("/ping")).GET().build()).statusCode()).isEqualTo(200);
        HttpResponse<String> invocation = send(HttpRequest.newBuilder(server.resolve("/invocations"))
                .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString("1,2,3")).build());
        assertThat(invocation.statusCode()).isEqualTo(200);
        assertThat(invocation.body()).contains("\"echo\":\"1,2,3\"").contains("\"contentType\":\"text/csv\"")
                .contains("\"copy\":\"kc-1\"");
        assertThat(send(HttpRequest.newBuilder(server.resolve("/invocations")).GET().build()).statusCode()).isEqualTo(405);

        controlPlane.desired = List.of();
        Awaitility.await().atMost(WAIT).until(() -> controlPlane.lastHeartbeat().copies().isEmpty());
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(agent.copyIds()).isEmpty());
        Awaitility.await().atMost(WAIT).until(() -> {
            try {
                send(HttpRequest.newBuilder(server.resolve("/ping")).timeout(Duration.ofSeconds(1)).GET().build());
                return false;
            } catch (IOException stopped) {
                return true;
            }
        });
    }

    @Test
    void aSlowModelServerAnswers503UntilLoaded() throws Exception {
        controlPlane = new FakeControlPlane(0);
        start(controlPlane.url());
        controlPlane.desired = List.of(copy("kc-slow", Map.of("KINDLING_EMULATED_STARTUP_MILLIS", "60000")));
        Awaitility.await().atMost(WAIT).until(() -> reported("kc-slow").map(r -> r.modelServerUrl() != null).orElse(false));
        CopyReport starting = reported("kc-slow").orElseThrow();
        assertThat(starting.state()).isEqualTo(CopyState.Starting);
        HttpResponse<String> ping = send(HttpRequest.newBuilder(URI.create(starting.modelServerUrl()).resolve("/ping")).GET().build());
        assertThat(ping.statusCode()).isEqualTo(503);
    }

    @Test
    void aModelServerThatExitsAtStartIsReportedFailedWithItsMessage() throws Exception {
        controlPlane = new FakeControlPlane(0);
        start(controlPlane.url());
        controlPlane.desired = List.of(copy("kc-bad", Map.of("KINDLING_EMULATED_EXIT_ON_START", "boom: no GPU")));
        Awaitility.await().atMost(WAIT).until(() -> reported("kc-bad").map(r -> r.state() == CopyState.Failed).orElse(false));
        assertThat(reported("kc-bad").orElseThrow().failureReason()).contains("boom: no GPU");
    }

    @Test
    void anAgentWhoseInstanceIsGoneShutsDown() throws Exception {
        controlPlane = new FakeControlPlane(0);
        start(controlPlane.url());
        controlPlane.desired = List.of(copy("kc-1", Map.of()));
        Awaitility.await().atMost(WAIT).until(() -> reported("kc-1").map(r -> r.state() == CopyState.InService).orElse(false));
        controlPlane.heartbeatStatus = 410;
        Awaitility.await().atMost(WAIT).until(agent::isClosed);
        assertThat(agent.copyIds()).isEmpty();
    }

    @Test
    void syncAsksForAHeartbeatAndHealthAnswers() throws Exception {
        controlPlane = new FakeControlPlane(0);
        agent = InstanceAgent.start(new AgentSettings("ki-test", "ml.g5.xlarge", controlPlane.url(), Duration.ofHours(1),
                "127.0.0.1"));
        Awaitility.await().atMost(WAIT).until(() -> controlPlane.heartbeats.size() == 1);
        HttpResponse<String> sync = send(HttpRequest.newBuilder(agent.url().resolve("/sync"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(sync.statusCode()).isEqualTo(202);
        Awaitility.await().atMost(WAIT).until(() -> controlPlane.heartbeats.size() >= 2);
        HttpResponse<String> health = send(HttpRequest.newBuilder(agent.url().resolve("/health")).GET().build());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("ki-test");
    }

    @Test
    void keepsTryingWhileTheControlPlaneIsDown() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        start(URI.create("http://127.0.0.1:" + port));
        assertThat(connectionRefused(port)).isTrue();
        Thread.sleep(200); // several failed heartbeats; the agent must survive them
        assertThat(agent.isClosed()).isFalse();
        controlPlane = new FakeControlPlane(port);
        Awaitility.await().atMost(WAIT).until(() -> !controlPlane.registrations.isEmpty() && !controlPlane.heartbeats.isEmpty());
    }

    private boolean connectionRefused(int port) throws InterruptedException {
        try {
            send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).GET().build());
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return e.getCause() instanceof ConnectException;
        }
    }
}
