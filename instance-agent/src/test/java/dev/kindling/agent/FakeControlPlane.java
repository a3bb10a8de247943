package dev.kindling.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.HeartbeatResponse;
import dev.kindling.agent.protocol.Registration;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.json.JsonMapper;

/** A control plane for agent tests: records registrations and heartbeats, answers with the copies it is told. */
final class FakeControlPlane implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final List<Registration> registrations = new CopyOnWriteArrayList<>();
    final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
    volatile List<CopyAssignment> desired = List.of();
    volatile int heartbeatStatus = 200;
    private final HttpServer server;

    FakeControlPlane(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.createContext("/v1/agent/instances/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Heartbeat lastHeartbeat() {
        return heartbeats.isEmpty() ? null : heartbeats.getLast();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().getPath();
        if (path.endsWith("/register")) {
            registrations.add(JSON.readValue(body, Registration.class));
            send(ex, 204, null);
        } else if (path.endsWith("/heartbeat")) {
            heartbeats.add(JSON.readValue(body, Heartbeat.class));
            send(ex, heartbeatStatus, heartbeatStatus == 200 ? JSON.writeValueAsString(new HeartbeatResponse(desired)) : "{}");
        } else {
            send(ex, 404, "{}");
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
