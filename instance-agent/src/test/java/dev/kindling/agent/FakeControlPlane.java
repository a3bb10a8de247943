package dev.kindling.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.HeartbeatResponse;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.agent.protocol.RegistrationResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * A control plane for agent tests, on the JDK's HTTP server: records every registration and heartbeat in arrival
 * order with the credentials it came with, and answers with whatever copies (for every instance, or per instance),
 * cache grant, peers and status the test sets. A registration answered 200 carries the grant.
 */
final class FakeControlPlane implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern AGENT_PATH = Pattern.compile("^/v1/agent/instances/([^/]+)/(register|heartbeat)$");

    record Registered(String instanceId, Registration registration) {}

    record Beat(String instanceId, Heartbeat heartbeat) {}

    final List<Registered> registrations = new CopyOnWriteArrayList<>();
    final List<Beat> heartbeats = new CopyOnWriteArrayList<>();
    /** "register" and "heartbeat", in the order they arrived. */
    final List<String> calls = new CopyOnWriteArrayList<>();
    /** Paths the agent called that the protocol does not have. */
    final List<String> strayCalls = new CopyOnWriteArrayList<>();
    /** The Authorization header of every call ("none" without one), in arrival order. */
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    volatile List<CopyAssignment> assignments = List.of();
    /** Copies for one instance, instead of {@link #assignments}. */
    final Map<String, List<CopyAssignment>> assignmentsOf = new ConcurrentHashMap<>();
    volatile CacheGrant grant;
    volatile List<Peer> peers = List.of();
    volatile int registerStatus = 204;
    volatile int heartbeatStatus = 200;

    private final HttpServer server;

    /** Listens on 127.0.0.1 at {@code port}; 0 picks a free one. */
    FakeControlPlane(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** What the latest heartbeat said of one copy; empty if it did not mention it. */
    Optional<CopyReport> latest(String copyId) {
        return heartbeats.isEmpty() ? Optional.empty() : find(heartbeats.getLast().heartbeat(), copyId);
    }

    /** What the latest heartbeat of one instance said of one of its copies; empty if it did not mention it. */
    Optional<CopyReport> latest(String instanceId, String copyId) {
        return heartbeats.reversed().stream().filter(b -> b.instanceId().equals(instanceId)).findFirst()
                .flatMap(b -> find(b.heartbeat(), copyId));
    }

    /** The latest heartbeat of one instance. */
    Optional<Heartbeat> latestOf(String instanceId) {
        return heartbeats.reversed().stream().filter(b -> b.instanceId().equals(instanceId)).findFirst().map(Beat::heartbeat);
    }

    /** Every report of one copy, oldest first. */
    List<CopyReport> history(String copyId) {
        return heartbeats.stream().flatMap(b -> find(b.heartbeat(), copyId).stream()).toList();
    }

    private static Optional<CopyReport> find(Heartbeat h, String copyId) {
        return h.copies().stream().filter(c -> c.copyId().equals(copyId)).findFirst();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Matcher m = AGENT_PATH.matcher(ex.getRequestURI().getPath());
        if (!"POST".equals(ex.getRequestMethod()) || !m.matches()) {
            strayCalls.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            send(ex, 404, "{}");
            return;
        }
        String instanceId = m.group(1);
        String authorization = ex.getRequestHeaders().getFirst("Authorization");
        authorizations.add(authorization == null ? "none" : authorization);
        if (m.group(2).equals("register")) {
            calls.add("register");
            registrations.add(new Registered(instanceId, JSON.readValue(body, Registration.class)));
            int status = registerStatus;
            send(ex, status, status == 204 ? null
                    : status == 200 ? JSON.writeValueAsString(new RegistrationResponse(grant)) : "{}");
        } else {
            calls.add("heartbeat");
            heartbeats.add(new Beat(instanceId, JSON.readValue(body, Heartbeat.class)));
            int status = heartbeatStatus;
            send(ex, status, status == 200 ? JSON.writeValueAsString(new HeartbeatResponse(
                    assignmentsOf.getOrDefault(instanceId, assignments), grant, peers)) : "{}");
        }
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        if (json == null) {
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
