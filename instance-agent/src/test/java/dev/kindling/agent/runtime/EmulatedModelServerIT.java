package dev.kindling.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.TestHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    void aSmallBodyThatHasArrivedIsAnsweredOnTheDispatcher() throws IOException {
        EmulatedModelServer s = start(Map.of());

        try (RawConnection c = new RawConnection(s)) {
            c.write(request(5) + "1,2,3"); // one write: head and body arrive together
            assertThat(c.readAnswer()).contains("\"echo\":\"1,2,3\"");
        }

        assertThat(s.inlineAnswers()).isEqualTo(1);
    }

    /** A body still on its way is read on a thread of its own: the dispatcher goes on serving the others. */
    @Test
    void aBodyStillOnItsWayDoesNotHoldUpOtherInvocations() throws IOException {
        EmulatedModelServer s = start(Map.of());

        try (RawConnection slow = new RawConnection(s)) {
            slow.write(request(10) + "12345"); // half the body
            // Answered while the first waits for the rest of its body.
            HttpResponse<String> other = http.post(s.url(), "/invocations", "text/plain", "x");
            assertThat(TestHttp.json(other)).containsEntry("echo", "x");

            slow.write("67890");
            assertThat(slow.readAnswer()).contains("\"echo\":\"1234567890\"");
        }
    }

    /** Each invocation waits out its emulated latency on its own virtual thread, never on the dispatcher. */
    @Test
    void anEmulatedLatencyIsWaitedOffTheDispatcher() {
        EmulatedModelServer s = start(Map.of("KINDLING_EMULATED_LATENCY_MILLIS", "50"));

        HttpResponse<String> answer = http.post(s.url(), "/invocations", "text/plain", "x");

        assertThat(TestHttp.json(answer)).containsEntry("echo", "x");
        assertThat(s.inlineAnswers()).isZero();
    }

    @Test
    void aChunkedBodyIsReadWhole() throws IOException {
        EmulatedModelServer s = start(Map.of());

        try (RawConnection c = new RawConnection(s)) {
            c.write("POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/plain\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
            c.write("2\r\nde\r\n0\r\n\r\n");
            assertThat(c.readAnswer()).contains("\"echo\":\"abcde\"").contains("\"bytes\":5");
        }

        assertThat(s.inlineAnswers()).isZero();
    }

    private static String request(int contentLength) {
        return "POST /invocations HTTP/1.1\r\nHost: model\r\nContent-Type: text/plain\r\nContent-Length: "
                + contentLength + "\r\n\r\n";
    }

    /** One HTTP/1.1 connection written and read by hand, to control when each part of a request arrives. */
    private static final class RawConnection implements AutoCloseable {
        private final Socket socket;

        RawConnection(EmulatedModelServer s) throws IOException {
            socket = new Socket(s.url().getHost(), s.url().getPort());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
        }

        void write(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        }

        /** The answer's body, read by its Content-Length. */
        String readAnswer() throws IOException {
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) throw new IOException("connection closed in the answer's head: " + head);
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200");
            Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
            assertThat(m.find()).as("a Content-Length in %s", head).isTrue();
            return new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
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
