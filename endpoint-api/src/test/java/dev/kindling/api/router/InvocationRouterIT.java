package dev.kindling.api.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.kindling.api.web.InvocationRoutes;
import dev.kindling.db.model.ComponentRoute;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.CopyRoute;
import dev.kindling.db.model.RoutingSnapshot;
import dev.kindling.db.model.RoutingStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.netty.channel.EventLoop;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.Connection;
import reactor.netty.resources.ConnectionProvider;

/**
 * The router and its controller against fake model servers that answer, fail, refuse connections, hang or die
 * mid-request: what the emulated model servers of the local fleet never do. No database: the routing table is fed
 * by hand.
 */
class InvocationRouterIT {

    private static final RouterSettings SETTINGS = new RouterSettings(10, Duration.ofMinutes(5), Duration.ofSeconds(3),
            1000, Duration.ofMillis(250), Duration.ofSeconds(1), 16, 100);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<com.sun.net.httpserver.HttpServer> servers = new ArrayList<>();
    private final List<ServerSocket> sockets = new ArrayList<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final List<String> firstServed = new CopyOnWriteArrayList<>();
    private final LoopClients clients = LoopClients.perLoop(SETTINGS, 4);
    private final ConnectionProvider pool = ConnectionProvider.create("test-other", 4);
    private final RoutingTable table = new RoutingTable(() -> { throw new IllegalStateException("fed by hand"); },
            SETTINGS, registry, Schedulers.parallel(), System::nanoTime, () -> CapacityDemand.NONE);
    private final DisposableServer server = routerServer(SETTINGS, (copy, at) -> firstServed.add(copy));
    private final WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + server.port())
            .responseTimeout(Duration.ofSeconds(30)).build();

    /** The routes on a Reactor Netty server of their own, as the web server serves them, with {@code settings}. */
    private DisposableServer routerServer(RouterSettings settings, CopyServedListener served) {
        return HttpServer.create().host("127.0.0.1").port(0)
                .route(new InvocationRoutes(new InvocationRouter(table, clients, settings, Clock.systemUTC(),
                        System::nanoTime, () -> served))::apply)
                .bindNow();
    }

    @AfterEach
    void stop() throws IOException {
        server.disposeNow();
        servers.forEach(s -> s.stop(0));
        for (ServerSocket s : sockets) s.close();
        clients.dispose();
        pool.dispose();
    }

    /** A model server that echoes content type, accept, custom attributes and body, answering {@code status}. */
    private String echo(String name, int status) {
        return serve(name, ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String answer = "{\"server\":\"" + name + "\",\"contentType\":\"" + ex.getRequestHeaders().getFirst("Content-Type")
                    + "\",\"accept\":\"" + ex.getRequestHeaders().getFirst("Accept") + "\",\"bytes\":" + body.length
                    + ",\"echo\":\"" + new String(body, StandardCharsets.UTF_8).replace("\"", "'") + "\"}";
            String attributes = ex.getRequestHeaders().getFirst("X-Amzn-SageMaker-Custom-Attributes");
            if (attributes != null) ex.getResponseHeaders().set("X-Amzn-SageMaker-Custom-Attributes", "seen " + attributes);
            send(ex, status, answer);
        });
    }

    private String serve(String name, HttpHandler handler) {
        try {
            com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
            s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            s.createContext("/invocations", ex -> {
                hits.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                handler.handle(ex);
            });
            s.start();
            servers.add(s);
            return "http://127.0.0.1:" + s.getAddress().getPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private interface HttpHandler {
        void handle(HttpExchange ex) throws IOException;
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A port nothing listens on: connections are refused. */
    private String refusing() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    /** A server that reads the start of a request and closes the connection without answering. */
    private String dying() throws IOException {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept(); InputStream in = c.getInputStream()) {
                    hits.computeIfAbsent("dying", k -> new AtomicInteger()).incrementAndGet();
                    in.read(new byte[64]);
                } catch (IOException e) {
                    return;
                }
            }
        });
        return "http://127.0.0.1:" + s.getLocalPort();
    }

    private static void eventually(ThrowingRunnable assertion) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(assertion);
    }

    private void route(RoutingStrategy strategy, String... copyUrls) {
        List<CopyRoute> copies = new ArrayList<>();
        for (int i = 0; i < copyUrls.length; i++) copies.add(new CopyRoute("kc-" + i, "ic", copyUrls[i]));
        table.apply(new RoutingSnapshot(List.of("ep"), List.of(new ComponentRoute("ep", "ic", "Blue",
                ComponentStatus.InService, null, strategy)), copies));
    }

    private WebTestClient.ResponseSpec invoke(String path, String body) {
        return client.post().uri(path).contentType(MediaType.APPLICATION_JSON).header("Accept", "application/json")
                .header("X-Amzn-SageMaker-Inference-Component", "ic").bodyValue(body).exchange();
    }

    @Test
    void theBodyContentTypeAndHeadersReachTheCopyAndTheAnswerComesBackWithWhoServedIt() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, echo("a", 200));

        client.post().uri("/v1/endpoints/ep/invocations").contentType(MediaType.parseMediaType("text/csv"))
                .header("Accept", "text/plain").header("X-Amzn-SageMaker-Custom-Attributes", "trace=1")
                .bodyValue("1,2,3").exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectHeader().valueEquals("X-Amzn-Invoked-Production-Variant", "Blue")
                .expectHeader().valueEquals("X-Kindling-Copy", "kc-0")
                .expectHeader().valueEquals("X-Amzn-SageMaker-Custom-Attributes", "seen trace=1")
                .expectBody().jsonPath("$.contentType").isEqualTo("text/csv")
                .jsonPath("$.accept").isEqualTo("text/plain")
                .jsonPath("$.echo").isEqualTo("1,2,3");

        invoke("/v1/endpoints/ep/invocations", "{}").expectStatus().isOk();
        assertThat(firstServed).as("told once per copy").containsExactly("kc-0");
        // A request is accounted for just after its last byte went out.
        eventually(() -> {
            assertThat(registry.get("kindling.invocation.model.latency").tag("copy", "kc-0").timer().count()).isEqualTo(2);
            assertThat(registry.get("kindling.invocation.overhead.latency").tag("component", "ic").timer().count())
                    .isEqualTo(2);
            assertThat(table.component("ic").copies()[0].inFlight()).isZero();
        });
        assertThat(registry.get("kindling.invocations").tag("component", "ic").counter().count()).isEqualTo(2);
    }

    @Test
    void aRequestIsForwardedOverAConnectionOfTheEventLoopThatReadIt() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, echo("a", 200));
        // Each request names itself in the one free-form header the router forwards.
        Map<String, EventLoop> readOn = new ConcurrentHashMap<>();
        Map<String, EventLoop> forwardedOn = new ConcurrentHashMap<>();
        List<ConnectionProvider> pools = new CopyOnWriteArrayList<>();
        LoopClients observed = LoopClients.of(loop -> {
            ConnectionProvider p = ConnectionProvider.create("loop-" + pools.size(), 4);
            pools.add(p);
            return reactor.netty.http.client.HttpClient.create(p).runOn(loop).doAfterRequest((request, connection) ->
                    forwardedOn.put(request.requestHeaders().get(InvocationRouter.CUSTOM_ATTRIBUTES_HEADER),
                            connection.channel().eventLoop()));
        }, reactor.netty.http.client.HttpClient.create(pool));
        InvocationRouter router = new InvocationRouter(table, observed, SETTINGS, Clock.systemUTC(), System::nanoTime,
                () -> CopyServedListener.NONE);
        DisposableServer recording = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.post("/v1/endpoints/{name}/invocations", (request, response) -> {
                    readOn.put(request.requestHeaders().get(InvocationRouter.CUSTOM_ATTRIBUTES_HEADER),
                            ((Connection) request).channel().eventLoop());
                    return router.invoke("ep", request, response, InvocationRouter.ModelErrors.PASS_THROUGH);
                }))
                .bindNow();
        try {
            WebTestClient c = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + recording.port()).build();
            for (int i = 0; i < 24; i++) {
                // A new connection each time, so the server spreads them over its loops.
                c.post().uri("/v1/endpoints/ep/invocations").contentType(MediaType.APPLICATION_JSON)
                        .header("Connection", "close").header(InvocationRouter.CUSTOM_ATTRIBUTES_HEADER, "r" + i)
                        .header(InvocationRouter.COMPONENT_HEADER, "ic").bodyValue("{}").exchange()
                        .expectStatus().isOk();
            }
            assertThat(readOn).hasSize(24);
            assertThat(forwardedOn).isEqualTo(readOn);
            assertThat(readOn.values().stream().distinct().count()).as("loops that read requests").isGreaterThan(1);
            assertThat(observed.loops()).isEqualTo(readOn.values().stream().distinct().count());
        } finally {
            recording.disposeNow();
            pools.forEach(ConnectionProvider::dispose);
        }
    }

    /**
     * A model that streams its answer (chunked, as a token stream is): the client reads the first part while the
     * model still holds back the rest, so the router passed it on as it came.
     */
    @Test
    void aStreamedAnswerReachesTheClientWhileTheModelIsStillWritingIt() throws Exception {
        CountDownLatch firstPartRead = new CountDownLatch(1);
        AtomicBoolean restWaitedForTheClient = new AtomicBoolean();
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, serve("streaming", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0); // no length: chunked
            try (OutputStream out = ex.getResponseBody()) {
                out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    restWaitedForTheClient.set(firstPartRead.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
            }
        }));

        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<InputStream> answer = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/endpoints/ep/invocations"))
                    .header("X-Amzn-SageMaker-Inference-Component", "ic").header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"stream\":true}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type")).contains("text/event-stream");
            try (java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(answer.body(), StandardCharsets.UTF_8))) {
                assertThat(lines.readLine()).isEqualTo("data: first");
                firstPartRead.countDown();
                assertThat(lines.readLine()).isEmpty();
                assertThat(lines.readLine()).isEqualTo("data: second");
            }
        }
        assertThat(restWaitedForTheClient).as("the first part reached the client before the model wrote the rest").isTrue();
    }

    /**
     * Bodies from empty to several times the socket buffers (so they cross in many reads and writes) get through
     * byte for byte, in both directions, with or without a Content-Length.
     */
    @Test
    void bodiesLargeAndSmallReachTheCopyAndComeBackWhole() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, serve("mirror", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            boolean chunked = "chunked".equals(ex.getRequestHeaders().getFirst("X-Answer"));
            ex.sendResponseHeaders(200, chunked ? 0 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }));
        RouterSettings roomy = new RouterSettings(10, Duration.ofMinutes(5), Duration.ofSeconds(10), 1 << 20,
                Duration.ofMillis(250), Duration.ofSeconds(1), 16, 100);
        DisposableServer large = routerServer(roomy, CopyServedListener.NONE);
        try {
            WebTestClient c = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + large.port())
                    .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(2 << 20))
                    .responseTimeout(Duration.ofSeconds(30)).build();
            for (int size : new int[] {0, 1, 64 * 1024, 64 * 1024 + 1, 700_000}) {
                byte[] sent = new byte[size];
                new java.util.Random(size).nextBytes(sent);
                for (String answer : new String[] {"length", "chunked"}) {
                    byte[] got = c.post().uri("/v1/endpoints/ep/invocations").contentType(MediaType.APPLICATION_OCTET_STREAM)
                            .header("X-Amzn-SageMaker-Inference-Component", "ic").header("X-Answer", answer)
                            .bodyValue(sent).exchange()
                            .expectStatus().isOk().expectBody(byte[].class).returnResult().getResponseBody();
                    assertThat(got == null ? new byte[0] : got).as("%d bytes, answered with %s", size, answer).isEqualTo(sent);
                }
            }
            // A request body without a length, larger than a whole message, streamed to the copy.
            DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
            byte[] part = "p".repeat(50_000).getBytes(StandardCharsets.UTF_8);
            byte[] got = c.post().uri("/v1/endpoints/ep/invocations").contentType(MediaType.APPLICATION_OCTET_STREAM)
                    .header("X-Amzn-SageMaker-Inference-Component", "ic")
                    .body(Flux.range(0, 4).map(i -> buffers.wrap(part)), DataBuffer.class).exchange()
                    .expectStatus().isOk().expectBody(byte[].class).returnResult().getResponseBody();
            assertThat(got).hasSize(200_000);
        } finally {
            large.disposeNow();
        }
    }

    @Test
    void aModelErrorPassesThroughOnKindlingsPathAndIsSageMakersModelErrorOnTheRuntimePath() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, echo("broken", 500));

        invoke("/v1/endpoints/ep/invocations", "{\"x\":1}").expectStatus().isEqualTo(500)
                .expectHeader().valueEquals("X-Kindling-Copy", "kc-0")
                .expectBody().jsonPath("$.server").isEqualTo("broken");
        invoke("/endpoints/ep/invocations", "{\"x\":1}").expectStatus().isEqualTo(424)
                .expectHeader().valueEquals("x-amzn-ErrorType", "ModelError")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/model-error")
                .jsonPath("$.status").isEqualTo(424)
                .jsonPath("$.OriginalStatusCode").isEqualTo(500)
                .jsonPath("$.OriginalMessage").value(m -> assertThat((String) m).contains("\"server\":\"broken\""))
                .jsonPath("$.message").value(m -> assertThat((String) m).contains("ic", "kc-0", "500"));

        eventually(() -> assertThat(registry.get("kindling.invocation.errors").tag("status_class", "5xx").counter().count())
                .isEqualTo(2));
        assertThat(firstServed).isEmpty();
    }

    @Test
    void aCopyThatRefusesTheConnectionIsSkippedForAnother() throws IOException {
        String refused = refusing();
        route(RoutingStrategy.RANDOM, refused, echo("ok", 200));

        for (int i = 0; i < 6; i++) {
            invoke("/v1/endpoints/ep/invocations", "{}").expectStatus().isOk()
                    .expectHeader().valueEquals("X-Kindling-Copy", "kc-1");
        }
        assertThat(hits.get("ok")).hasValue(6);
        assertThat(table.component("ic").copies()[0].avoided(System.nanoTime())).as("the refusing copy is avoided").isTrue();
        eventually(() -> assertThat(table.component("ic").copies()).allSatisfy(c -> assertThat(c.inFlight()).isZero()));
    }

    @Test
    void withNoOtherCopyARefusedConnectionIs502() throws IOException {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, refusing());

        invoke("/v1/endpoints/ep/invocations", "{}").expectStatus().isEqualTo(502)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/upstream-failed")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("kc-0", "refused the connection"));
    }

    @Test
    void aCopyThatDiesMidRequestIs502AndIsNotRetried() throws IOException {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, dying(), echo("ok", 200));
        table.component("ic").copies()[1].take(); // least outstanding requests picks the dying copy first

        invoke("/v1/endpoints/ep/invocations", "{\"x\":1}").expectStatus().isEqualTo(502)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/upstream-failed")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("kc-0", "failed during the request"));
        assertThat(hits.get("ok")).as("a request that may have been delivered is not sent twice").isNull();
        eventually(() -> assertThat(registry.get("kindling.invocation.errors").tag("status_class", "5xx").counter().count())
                .isEqualTo(1));
    }

    @Test
    void aModelSlowerThanTheInvocationTimeoutIs504() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, serve("slow", ex -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(ex, 200, "{}");
        }));

        invoke("/endpoints/ep/invocations", "{}").expectStatus().isEqualTo(504)
                .expectHeader().valueEquals("x-amzn-ErrorType", "ModelError")
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/invocation-timeout")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("kc-0", "3000 ms"));
        eventually(() -> assertThat(table.component("ic").copies()[0].inFlight()).isZero());
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutContentLength() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, echo("a", 200));
        String big = "x".repeat(1001);

        invoke("/endpoints/ep/invocations", big).expectStatus().isEqualTo(413)
                .expectHeader().valueEquals("x-amzn-ErrorType", "ValidationError")
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/payload-too-large")
                .jsonPath("$.message").value(m -> assertThat((String) m).contains("1000 bytes"));
        assertThat(hits.get("a")).as("refused before it reached the copy").isNull();

        DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
        Flux<DataBuffer> chunked = Flux.range(0, 3).map(i -> buffers.wrap("y".repeat(400).getBytes(StandardCharsets.UTF_8)));
        client.post().uri("/v1/endpoints/ep/invocations").contentType(MediaType.TEXT_PLAIN)
                .header("X-Amzn-SageMaker-Inference-Component", "ic").body(chunked, DataBuffer.class).exchange()
                .expectStatus().isEqualTo(413)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/payload-too-large");

        Flux<DataBuffer> small = Flux.range(0, 2).map(i -> buffers.wrap("z".repeat(400).getBytes(StandardCharsets.UTF_8)));
        client.post().uri("/v1/endpoints/ep/invocations").contentType(MediaType.TEXT_PLAIN)
                .header("X-Amzn-SageMaker-Inference-Component", "ic").body(small, DataBuffer.class).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.bytes").isEqualTo(800);
    }

    @Test
    void errorsOnTheRuntimePathCarrySageMakersCodeAndMessage() {
        route(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, echo("a", 200));

        client.post().uri("/endpoints/nope/invocations").bodyValue("{}").exchange()
                .expectStatus().isNotFound()
                .expectHeader().valueEquals("x-amzn-ErrorType", "ValidationError")
                .expectBody().jsonPath("$.message").isEqualTo("endpoint nope does not exist")
                .jsonPath("$.detail").isEqualTo("endpoint nope does not exist")
                .jsonPath("$.type").isEqualTo("https://kindling.dev/problems/not-found");
        client.post().uri("/v1/endpoints/nope/invocations").bodyValue("{}").exchange()
                .expectStatus().isNotFound()
                .expectHeader().doesNotExist("x-amzn-ErrorType")
                .expectBody().jsonPath("$.message").doesNotExist();
    }
}
