package dev.kindling.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.kindling.agent.FakeControlPlane.Registered;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyState;
import dev.kindling.agent.protocol.Registration;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import dev.kindling.agent.runtime.FakeCopyData;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The agent against a fake control plane: it registers, heartbeats, starts the copies it is given behind the
 * SageMaker container contract, reports their state, stops what it no longer should run, and shuts down when the
 * control plane says its instance is gone. Nothing here asserts how long anything took; waits only bound a hang.
 */
class InstanceAgentIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(50);
    private static final String INSTANCE = "ki-test";
    private static final String TYPE = "ml.g5.xlarge";

    @TempDir
    Path dir;
    private final TestHttp http = new TestHttp();
    private FakeControlPlane controlPlane;
    private InstanceAgent agent;
    private ListAppender<ILoggingEvent> agentLog;

    @AfterEach
    void tearDown() {
        if (agent != null) agent.close();
        if (controlPlane != null) controlPlane.close();
        if (agentLog != null) agentLogger().detachAppender(agentLog);
        http.close();
    }

    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20));
    }

    private InstanceAgent start(String instanceId, URI controlPlaneUrl, Duration heartbeat) {
        agent = InstanceAgent.start(new AgentSettings(instanceId, TYPE, controlPlaneUrl, heartbeat, "127.0.0.1",
                DataPathSettings.under(dir.resolve("disk"))), new FakeCopyData(dir.resolve("prepared")));
        return agent;
    }

    private InstanceAgent startClaiming(String endpoint, String secret) {
        agent = InstanceAgent.start(new AgentSettings(INSTANCE, TYPE, controlPlane.url(), HEARTBEAT, "127.0.0.1",
                DataPathSettings.under(dir.resolve("disk")), endpoint, secret), new FakeCopyData(dir.resolve("prepared")));
        return agent;
    }

    private InstanceAgent startWithControlPlane() throws IOException {
        controlPlane = new FakeControlPlane(0);
        return start(INSTANCE, controlPlane.url(), HEARTBEAT);
    }

    private static CopyAssignment copy(String id, Map<String, String> env) {
        return new CopyAssignment(id, "model-a", 1, "repo/model:1", null, env, 1024, 600, 600);
    }

    /** Waits for a heartbeat whose report of {@code copyId} matches, and returns that report. */
    private CopyReport awaitReport(String copyId, Predicate<CopyReport> matching) {
        return await().until(() -> controlPlane.latest(copyId).orElse(null), r -> r != null && matching.test(r));
    }

    private URI awaitInService(String copyId) {
        return URI.create(awaitReport(copyId, r -> r.state() == CopyState.InService).modelServerUrl());
    }

    private void awaitMoreHeartbeats(int more) {
        int seen = controlPlane.heartbeats.size();
        await().until(() -> controlPlane.heartbeats.size() >= seen + more);
    }

    @Test
    void registersOnceThenHeartbeatsAtItsInterval() throws IOException {
        startWithControlPlane();

        await().until(() -> controlPlane.heartbeats.size() >= 3);

        assertThat(controlPlane.registrations).singleElement()
                .isEqualTo(new Registered(INSTANCE, new Registration(TYPE, agent.url().toString())));
        List<String> calls = List.copyOf(controlPlane.calls);
        assertThat(calls.getFirst()).isEqualTo("register");
        assertThat(calls.subList(1, calls.size())).containsOnly("heartbeat");
        assertThat(controlPlane.heartbeats).allSatisfy(b -> {
            assertThat(b.instanceId()).isEqualTo(INSTANCE);
            assertThat(b.heartbeat().copies()).isEmpty();
        });
        assertThat(controlPlane.strayCalls).isEmpty();
        assertThat(controlPlane.authorizations).as("an instance launched without a secret presents none").containsOnly("none");
    }

    private static final String SECRET = "launch-secret-7f3a";
    private static final CacheGrant CHAT_CACHES = new CacheGrant("chat", 3, "/volumes/chat-3", "/volumes/chat-3/models", "peer-tok");

    @Test
    void registersAndHeartbeatsWithTheInstanceSecretClaimingItsEndpointAndNeverLogsTheSecret() throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.grant = CHAT_CACHES;
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        all.start();
        Level before = rootLogger().getLevel();
        rootLogger().setLevel(Level.INFO);
        rootLogger().addAppender(all);
        try {
            startClaiming("chat", SECRET);
            await().until(() -> controlPlane.heartbeats.size() >= 2);

            assertThat(controlPlane.registrations).singleElement()
                    .isEqualTo(new Registered(INSTANCE, new Registration(TYPE, agent.url().toString(), "chat")));
            assertThat(controlPlane.authorizations).hasSizeGreaterThanOrEqualTo(3).containsOnly("Bearer " + SECRET);
            assertThat(new AgentSettings(INSTANCE, TYPE, controlPlane.url(), HEARTBEAT, "127.0.0.1",
                    DataPathSettings.under(dir), "chat", SECRET).toString()).contains("chat").doesNotContain(SECRET);
        } finally {
            agent.close();
            rootLogger().detachAppender(all);
            rootLogger().setLevel(before);
        }
        assertThat(messages(all)).as("the grant was logged, so the agent did log").anySatisfy(m ->
                assertThat(m).contains("Endpoint caches granted"));
        assertThat(messages(all)).noneMatch(m -> m.contains(SECRET)).noneMatch(m -> m.contains("peer-tok"));
    }

    @Test
    void aRefusedSecretIsLoggedRetriedAtTheNextHeartbeatAndGivenNoCache() throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.registerStatus = 401;
        controlPlane.grant = CHAT_CACHES;
        agentLog = new ListAppender<>();
        agentLog.start();
        agentLogger().addAppender(agentLog);
        startClaiming("chat", "a-wrong-secret");

        await().until(() -> controlPlane.registrations.size() >= 3);
        assertThat(controlPlane.heartbeats).isEmpty();
        assertThat(agent.cacheGrant()).isNull();
        assertThat(messages(agentLog)).anySatisfy(m -> assertThat(m)
                .contains("Registration refused (HTTP 401)").contains("does not accept this instance's secret"))
                .noneMatch(m -> m.contains("a-wrong-secret"));

        controlPlane.registerStatus = 200;
        await().until(() -> !controlPlane.heartbeats.isEmpty());
        assertThat(agent.cacheGrant()).isEqualTo(CHAT_CACHES);
    }

    @Test
    void theRegistrationsGrantIsReplacedByEachHeartbeatAnswers() throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.registerStatus = 200;
        controlPlane.heartbeatStatus = 503; // only the registration answers, at first
        controlPlane.grant = CHAT_CACHES;
        startClaiming("chat", SECRET);
        await().until(() -> agent.cacheGrant() != null);
        assertThat(agent.cacheGrant()).isEqualTo(CHAT_CACHES);

        CacheGrant rebuilt = new CacheGrant("chat", 4, "/volumes/chat-4", null, "peer-tok-2");
        controlPlane.grant = rebuilt;
        controlPlane.heartbeatStatus = 200;
        await().until(() -> rebuilt.equals(agent.cacheGrant()));
        controlPlane.grant = null;
        await().until(() -> agent.cacheGrant() == null);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            a grant for another endpoint           | chat | billing
            a grant to an agent that claimed none  | null | chat
            """)
    void aGrantForAnEndpointTheAgentDoesNotServeIsRefused(String label, String claimed, String grantedFor) throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.registerStatus = 200;
        controlPlane.grant = new CacheGrant(grantedFor, 1, "/volumes/" + grantedFor + "-1", null, "tok");
        startClaiming(claimed, SECRET);

        await().until(() -> !controlPlane.heartbeats.isEmpty());
        awaitMoreHeartbeats(3);

        assertThat(agent.cacheGrant()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            heartbeat answered 401 Unauthorized | 401
            heartbeat answered 403 Forbidden    | 403
            """)
    void aHeartbeatWhoseSecretIsRefusedLosesTheCachesButKeepsItsCopies(String label, int status) throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.grant = CHAT_CACHES;
        controlPlane.assignments = List.of(copy("kc-1", Map.of()));
        startClaiming("chat", SECRET);
        URI server = awaitInService("kc-1");
        assertThat(agent.cacheGrant()).isEqualTo(CHAT_CACHES);

        controlPlane.heartbeatStatus = status;
        await().until(() -> agent.cacheGrant() == null);

        assertThat(agent.isClosed()).isFalse();
        assertThat(http.get(server, "/ping").statusCode()).isEqualTo(200);
        controlPlane.heartbeatStatus = 200;
        await().until(() -> CHAT_CACHES.equals(agent.cacheGrant()));
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** Each event's message with its arguments and key-value pairs, as a log line would show them. */
    private static List<String> messages(ListAppender<ILoggingEvent> appender) {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = List.copyOf(appender.list);
        }
        return events.stream().map(e -> e.getFormattedMessage() + " " + e.getKeyValuePairs()).toList();
    }

    @Test
    void anAssignedCopyServesTheSageMakerContainerContract() throws IOException {
        startWithControlPlane();

        controlPlane.assignments = List.of(copy("kc-1", Map.of()));
        CopyReport ready = awaitReport("kc-1", r -> r.state() == CopyState.InService);

        assertThat(ready.readyAt()).isNotNull();
        assertThat(ready.failureReason()).isNull();
        URI server = URI.create(ready.modelServerUrl());
        assertThat(http.get(server, "/ping").statusCode()).isEqualTo(200);
        HttpResponse<String> invocation = http.post(server, "/invocations", "text/csv", "1,2,3");
        assertThat(invocation.statusCode()).isEqualTo(200);
        assertThat(TestHttp.json(invocation)).containsEntry("echo", "1,2,3").containsEntry("contentType", "text/csv")
                .containsEntry("copy", "kc-1").containsEntry("component", "model-a");
        assertThat(http.get(server, "/invocations").statusCode()).isEqualTo(405);
        assertThat(TestHttp.json(http.get(agent.url(), "/health"))).containsEntry("copies", 1);
    }

    @Test
    void aCopyIsReportedStartingWhileItsServerLoadsThenInService() throws IOException {
        startWithControlPlane();

        // Long enough that the first /ping below comes before the model is "loaded" on any machine.
        controlPlane.assignments = List.of(copy("kc-slow", Map.of("KINDLING_EMULATED_STARTUP_MILLIS", "5000")));
        CopyReport starting = awaitReport("kc-slow", r -> r.modelServerUrl() != null);
        assertThat(starting.state()).isEqualTo(CopyState.Starting);
        assertThat(starting.readyAt()).isNull();
        URI server = URI.create(starting.modelServerUrl());
        assertThat(http.get(server, "/ping").statusCode()).isEqualTo(503);

        await().until(() -> http.get(server, "/ping").statusCode() == 200);
        CopyReport ready = awaitReport("kc-slow", r -> r.state() == CopyState.InService);

        assertThat(ready.readyAt()).isNotNull();
        assertThat(ready.modelServerUrl()).isEqualTo(starting.modelServerUrl());
        // Starting until the first good /ping, InService from then on; never back.
        List<CopyState> states = controlPlane.history("kc-slow").stream().map(CopyReport::state).toList();
        int firstInService = states.indexOf(CopyState.InService);
        assertThat(states.subList(0, firstInService)).isNotEmpty().containsOnly(CopyState.Starting);
        assertThat(states.subList(firstInService, states.size())).containsOnly(CopyState.InService);
    }

    @Test
    void aCopyWhoseServerExitsAtStartIsReportedFailedAndLeftFailed() throws IOException {
        startWithControlPlane();

        controlPlane.assignments = List.of(copy("kc-bad", Map.of("KINDLING_EMULATED_EXIT_ON_START", "boom: no GPU")));
        CopyReport failed = awaitReport("kc-bad", r -> r.state() == CopyState.Failed);

        assertThat(failed.failureReason()).contains("boom");
        assertThat(failed.readyAt()).isNull();
        assertThat(failed.modelServerUrl()).isNull();
        // The control plane decides what replaces it; the agent keeps reporting the failure rather than retrying.
        awaitMoreHeartbeats(3);
        assertThat(controlPlane.latest("kc-bad")).get().extracting(CopyReport::state).isEqualTo(CopyState.Failed);
        assertThat(controlPlane.history("kc-bad")).extracting(CopyReport::state).doesNotContain(CopyState.InService);
        assertThat(agent.isClosed()).isFalse();
    }

    @Test
    void aCopyTheControlPlaneNoLongerListsIsStoppedAndTheOthersKeepServing() throws IOException {
        startWithControlPlane();
        controlPlane.assignments = List.of(copy("kc-a", Map.of()), copy("kc-b", Map.of()));
        URI a = awaitInService("kc-a");
        URI b = awaitInService("kc-b");

        controlPlane.assignments = List.of(copy("kc-b", Map.of()));

        await().until(() -> controlPlane.heartbeats.getLast().heartbeat().copies().stream().map(CopyReport::copyId).toList(),
                ids -> ids.equals(List.of("kc-b")));
        await().until(() -> http.refuses(a));
        assertThat(agent.copyIds()).containsExactly("kc-b");
        assertThat(http.get(b, "/ping").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            heartbeat answered 404 Not Found | 404
            heartbeat answered 410 Gone      | 410
            """)
    void anInstanceTheControlPlaneCallsGoneClosesItsAgentAndCopies(String label, int status) throws IOException {
        startWithControlPlane();
        controlPlane.assignments = List.of(copy("kc-1", Map.of()));
        URI server = awaitInService("kc-1");

        controlPlane.heartbeatStatus = status;

        // isClosed() turns true as the shutdown begins; the copies go right after.
        await().until(() -> agent.isClosed() && agent.copyIds().isEmpty());
        await().until(() -> http.refuses(server));
        await().until(() -> http.refuses(agent.url()));
    }

    @Test
    void aRegistrationAnsweredGoneClosesTheAgentBeforeAnyHeartbeat() throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.registerStatus = 410;
        start(INSTANCE, controlPlane.url(), HEARTBEAT);

        await().until(agent::isClosed);

        assertThat(controlPlane.registrations).hasSize(1);
        assertThat(controlPlane.heartbeats).isEmpty();
    }

    /** Only 404 and 410 mean the instance is gone; any other refusal is the control plane's trouble, not the agent's. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            heartbeat answered 500 Internal Server Error | 500
            heartbeat answered 503 Service Unavailable   | 503
            heartbeat answered 400 Bad Request           | 400
            """)
    void aRefusedHeartbeatKeepsTheAgentAndItsCopiesRunning(String label, int status) throws IOException {
        startWithControlPlane();
        controlPlane.assignments = List.of(copy("kc-1", Map.of()));
        URI server = awaitInService("kc-1");

        controlPlane.heartbeatStatus = status;
        awaitMoreHeartbeats(3);

        assertThat(agent.isClosed()).isFalse();
        assertThat(agent.copyIds()).containsExactly("kc-1");
        assertThat(http.get(server, "/ping").statusCode()).isEqualTo(200);
        controlPlane.heartbeatStatus = 200;
        awaitMoreHeartbeats(1);
        assertThat(controlPlane.latest("kc-1")).get().extracting(CopyReport::state).isEqualTo(CopyState.InService);
    }

    @Test
    void aRefusedRegistrationIsRetriedUntilAccepted() throws IOException {
        controlPlane = new FakeControlPlane(0);
        controlPlane.registerStatus = 503;
        start(INSTANCE, controlPlane.url(), HEARTBEAT);

        await().until(() -> controlPlane.registrations.size() >= 3);
        assertThat(controlPlane.heartbeats).as("no heartbeat before registering").isEmpty();
        controlPlane.registerStatus = 204;

        await().until(() -> !controlPlane.heartbeats.isEmpty());
        assertThat(agent.isClosed()).isFalse();
    }

    @Test
    void syncAsksForAHeartbeatAtOnceAndHealthAnswers() throws IOException {
        controlPlane = new FakeControlPlane(0);
        // An hour between heartbeats: any heartbeat after the first one comes from /sync.
        start(INSTANCE, controlPlane.url(), Duration.ofHours(1));
        await().until(() -> controlPlane.heartbeats.size() == 1);
        controlPlane.assignments = List.of(copy("kc-sync", Map.of()));

        HttpResponse<String> sync = http.post(agent.url(), "/sync", null, "");

        assertThat(sync.statusCode()).isEqualTo(202);
        await().until(() -> controlPlane.heartbeats.size() >= 2);
        // The copy the synced heartbeat brought is started, and its readiness is reported without waiting an hour.
        awaitInService("kc-sync");
        HttpResponse<String> health = http.get(agent.url(), "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(TestHttp.json(health)).containsEntry("instanceId", INSTANCE).containsEntry("copies", 1);
    }

    @Test
    void closingTheAgentStopsItsCopiesAndItsApi() throws IOException {
        startWithControlPlane();
        controlPlane.assignments = List.of(copy("kc-1", Map.of()));
        URI server = awaitInService("kc-1");

        agent.close();

        assertThat(agent.isClosed()).isTrue();
        assertThat(agent.copyIds()).isEmpty();
        await().until(() -> http.refuses(server));
        await().until(() -> http.refuses(agent.url()));
    }

    @Test
    void keepsRetryingWhileTheControlPlaneIsDownAndRegistersOnceItIsUp() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        agentLog = new ListAppender<>();
        agentLog.start();
        agentLogger().addAppender(agentLog);
        start("ki-down", URI.create("http://127.0.0.1:" + port), HEARTBEAT);

        // Each refused connection is logged as a warning; several mean the agent went on after the first.
        await().until(() -> unreachableWarnings("ki-down") >= 3);
        assertThat(agent.isClosed()).isFalse();
        assertThat(http.get(agent.url(), "/health").statusCode()).isEqualTo(200);

        controlPlane = new FakeControlPlane(port);
        await().until(() -> !controlPlane.heartbeats.isEmpty());
        assertThat(controlPlane.registrations).extracting(Registered::instanceId).containsExactly("ki-down");
    }

    private static Logger agentLogger() {
        return (Logger) LoggerFactory.getLogger(InstanceAgent.class);
    }

    private long unreachableWarnings(String instanceId) {
        List<ILoggingEvent> events;
        synchronized (agentLog) { // the appender appends under its own lock
            events = List.copyOf(agentLog.list);
        }
        return events.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
                        .anyMatch(kv -> kv.key.equals("instance") && instanceId.equals(kv.value)))
                .count();
    }
}
