package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator against a JDK HTTP server on loopback: it sends exactly the requests its schedule holds, with
 * the body and headers of its target, times every 2xx, and counts every other answer and every timeout as an error.
 */
class OpenLoopLoadIT {

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, String> bodies = new ConcurrentHashMap<>();
    private final Map<String, String> components = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final CountDownLatch never = new CountDownLatch(1);
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        server.setExecutor(executor);
        server.createContext("/ok", ex -> {
            long n = received.incrementAndGet();
            bodies.put(ex.getRequestHeaders().getFirst("Content-Type"), new String(ex.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            String component = ex.getRequestHeaders().getFirst("X-Amzn-SageMaker-Inference-Component");
            if (component != null) components.put(component, "seen");
            // Every fifth request fails, so the count of errors is known exactly.
            int status = n % 5 == 0 ? 503 : 200;
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, answer.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
        });
        server.createContext("/stuck", ex -> {
            ex.getRequestBody().readAllBytes();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        never.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void sendsItsScheduleTimesTheSuccessesAndCountsTheFailures() {
        try (OpenLoopLoad load = new OpenLoopLoad("{\"inputs\":\"hi\"}", Duration.ofSeconds(30), 16, 1)) {
            PhaseResult r = load.run(new InvocationTarget("router", uri("/ok"),
                    Map.of("X-Amzn-SageMaker-Inference-Component", "model")), 200, Duration.ofSeconds(1));

            assertThat(r.path()).isEqualTo("router");
            assertThat(r.sent()).isEqualTo(200);
            assertThat(received).hasValue(200);
            assertThat(r.succeeded()).isEqualTo(160);
            assertThat(r.latencyMicros().getTotalCount()).isEqualTo(160);
            assertThat(r.errors()).isEqualTo(Map.of("HTTP 503", 40L));
            assertThat(r.errorCount()).isEqualTo(40);
            assertThat(r.sendLagMicros().getTotalCount()).isEqualTo(200);
            assertThat(bodies).isEqualTo(Map.of("application/json", "{\"inputs\":\"hi\"}"));
            assertThat(components).containsOnlyKeys("model");
            assertThat(r.latency().count()).isEqualTo(160);
            assertThat(List.of(r.latency().p50(), r.latency().p99(), r.latency().max())).isSorted();
        }
    }

    @Test
    void aRequestNotAnsweredWithinTheTimeoutIsAnError() {
        try (OpenLoopLoad load = new OpenLoopLoad("{}", Duration.ofMillis(500), 16, 1)) {
            PhaseResult r = load.run(new InvocationTarget("direct", uri("/stuck"), Map.of()), 20, Duration.ofMillis(500));

            assertThat(r.sent()).isEqualTo(10);
            assertThat(r.succeeded()).isZero();
            assertThat(r.latencyMicros().getTotalCount()).isZero();
            assertThat(r.errors()).isEqualTo(Map.of("timeout", 10L));
        }
    }
}
