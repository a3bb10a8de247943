package dev.kindling.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.TestHttp;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The emulated model server, held to the SageMaker container contract: GET /ping, POST /invocations. */
class EmulatedModelServerIT {

    private final TestHttp http = new TestHttp();
    private final List<EmulatedModelServer> servers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        servers.forEach(EmulatedModelServer::stop);
        http.close();
    }

    private EmulatedModelServer start(Map<String, String> env) {
        EmulatedModelServer s = EmulatedModelServer.start("127.0.0.1", "model-a", "kc-1", env);
        servers.add(s);
        return s;
    }

    @Test
    void pingAnswersHealthyAndInvocationsEchoTheRequest() {
        EmulatedModelServer s = start(Map.of());

        HttpResponse<String> ping = http.get(s.url(), "/ping");
        assertThat(ping.statusCode()).isEqualTo(200);

        HttpResponse<String> csv = http.post(s.url(), "/invocations", "text/csv", "1,2,3");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(TestHttp.json(csv)).containsEntry("component", "model-a").containsEntry("copy", "kc-1")
                .containsEntry("invocation", 1).containsEntry("contentType", "text/csv").containsEntry("bytes", 5)
                .containsEntry("echo", "1,2,3");

        HttpResponse<String> json = http.post(s.url(), "/invocations", "application/json", "{\"inputs\":\"héllo\"}");
        assertThat(TestHttp.json(json)).containsEntry("invocation", 2).containsEntry("contentType", "application/json")
                .containsEntry("echo", "{\"inputs\":\"héllo\"}").containsEntry("bytes", 19);
    }

    @Test
    void invocationsAnswerOnlyPost() {
        EmulatedModelServer s = start(Map.of());

        assertThat(http.get(s.url(), "/invocations").statusCode()).isEqualTo(405);
        // The refused call is not counted as an invocation.
        assertThat(TestHttp.json(http.post(s.url(), "/invocations", "text/plain", "x"))).containsEntry("invocation", 1);
    }

    @Test
    void pingAnswers503WhileTheModelLoads() {
        EmulatedModelServer s = start(Map.of("KINDLING_EMULATED_STARTUP_MILLIS", "600000"));

        HttpResponse<String> ping = http.get(s.url(), "/ping");

        assertThat(ping.statusCode()).isEqualTo(503);
        assertThat(TestHttp.json(ping)).containsEntry("status", "Loading");
    }

    /** A startup time the server cannot read means no delay, rather than a server that never gets ready. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not a number | soon
            negative     | -5000
            blank        | '   '
            """)
    void anUnreadableStartupTimeMeansReadyAtOnce(String label, String value) {
        EmulatedModelServer s = start(Map.of("KINDLING_EMULATED_STARTUP_MILLIS", value));

        assertThat(http.get(s.url(), "/ping").statusCode()).isEqualTo(200);
    }

    @Test
    void aServerThatExitsAtStartListensOnNothing() {
        EmulatedModelServer s = start(Map.of("KINDLING_EMULATED_EXIT_ON_START", "boom: no GPU"));

        assertThat(s.exited()).isTrue();
        assertThat(s.exitReason()).isEqualTo("boom: no GPU");
        // A crashed container has no port; an address that accepts and never answers would hang its clients.
        assertThat(s.url()).isNull();
        s.stop();
        assertThat(s.exitReason()).as("stopping keeps the crash's reason").isEqualTo("boom: no GPU");
    }

    @Test
    void aStoppedServerReleasesItsPortAndSaysWhy() {
        EmulatedModelServer s = start(Map.of());
        assertThat(s.exited()).isFalse();

        s.stop();

        assertThat(s.exited()).isTrue();
        assertThat(s.exitReason()).isEqualTo("stopped");
        assertThat(http.refuses(s.url())).isTrue();
    }
}
