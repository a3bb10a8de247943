package dev.kindling.agent.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.kindling.agent.internal.Json;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * An emulated model server that honours the SageMaker container contract: {@code GET /ping} answers 200 once the
 * model is loaded, {@code POST /invocations} answers the request. It echoes what it was sent and who answered, and
 * where its image and model lie.
 *
 * <p>Its behaviour follows the copy's environment, so tests and demos can shape it:
 * {@code KINDLING_EMULATED_STARTUP_MILLIS} (time before /ping answers 200), {@code KINDLING_EMULATED_LATENCY_MILLIS}
 * (time per invocation), {@code KINDLING_EMULATED_EXIT_ON_START} (the server exits with this message at start, as a
 * crashing container would).
 */
public final class EmulatedModelServer {

    /** Bodies up to this size with a Content-Length are read into an array of exactly that size. */
    private static final long MAX_EXACT_READ = 64L << 20;
    /**
     * Invocations with at most this many body bytes, all of them already read from the socket, are answered on the
     * server's dispatcher thread; any other (and every one while an invocation latency is emulated) on a virtual
     * thread of its own.
     */
    static final int MAX_INLINE_BODY = 16 * 1024;

    private final HttpServer http;
    private final ExecutorService executor;
    private final Instant readyAt;
    private final Duration latency;
    private final String component;
    private final String copyId;
    private final AtomicLong invocations = new AtomicLong();
    /** Invocations answered on the dispatcher thread, for tests. */
    private final AtomicLong inlineAnswers = new AtomicLong();
    private final Map<String, Object> model;
    /** The image's root filesystem as the copy got it: where a real container would run from. */
    private final String imageRootfs;
    private final String modelDirectory;
    private volatile String exitReason;

    private EmulatedModelServer(String bindHost, String component, String copyId, Map<String, String> env) {
        this.component = component;
        this.copyId = copyId;
        this.readyAt = Instant.now().plusMillis(longEnv(env, "KINDLING_EMULATED_STARTUP_MILLIS"));
        this.latency = Duration.ofMillis(longEnv(env, "KINDLING_EMULATED_LATENCY_MILLIS"));
        this.model = describeModel(env.get(ModelCopy.MODEL_DIR_ENV));
        this.imageRootfs = env.get(ModelCopy.IMAGE_ROOTFS_ENV);
        this.modelDirectory = env.get(ModelCopy.MODEL_DIR_ENV);
        String exit = env.get("KINDLING_EMULATED_EXIT_ON_START");
        if (exit != null && !exit.isBlank()) {
            // A crashed container listens on nothing. (An HttpServer that is bound but never started cannot even
            // release its port: stop() leaves the socket listening, so one is not created at all.)
            exitReason = exit;
            http = null;
            executor = null;
            return;
        }
        try {
            http = HttpServer.create(new InetSocketAddress(bindHost, 0), 512);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open a port for the model server on " + bindHost, e);
        }
        // No executor: the dispatcher thread runs the handlers, as an event loop would, and invoke() hands whatever
        // may block or take long to a virtual thread. A virtual thread started and scheduled for every request took
        // twice the CPU per invocation (0.10 to 0.13 ms against 0.05 to 0.07 at 2,000/s), on the cores the control
        // plane's JVM, which runs the local fleet's model servers, shares with its router.
        executor = Executors.newVirtualThreadPerTaskExecutor();
        http.createContext("/ping", this::ping);
        http.createContext("/invocations", this::invoke);
    }

    static EmulatedModelServer start(String bindHost, String component, String copyId, Map<String, String> env) {
        EmulatedModelServer s = new EmulatedModelServer(bindHost, component, copyId, env);
        if (!s.exited()) s.http.start();
        return s;
    }

    /** Where it listens; null if it exited at start. */
    public URI url() {
        if (http == null) return null;
        return URI.create("http://" + http.getAddress().getHostString() + ":" + http.getAddress().getPort());
    }

    /** How many invocations were answered on the dispatcher thread rather than a virtual thread. */
    long inlineAnswers() {
        return inlineAnswers.get();
    }

    boolean exited() {
        return exitReason != null;
    }

    String exitReason() {
        return exitReason;
    }

    private void ping(HttpExchange ex) throws IOException {
        boolean ready = !Instant.now().isBefore(readyAt);
        send(ex, ready ? 200 : 503, ready ? "{\"status\":\"Healthy\"}" : "{\"status\":\"Loading\"}");
    }

    private void invoke(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            send(ex, 405, "{\"message\":\"use POST\"}");
            return;
        }
        long declared = contentLength(ex);
        if (latency.isZero() && declared >= 0 && declared <= MAX_INLINE_BODY
                && ex.getRequestBody().available() >= declared) {
            inlineAnswers.incrementAndGet();
            answer(ex, declared);
            return;
        }
        // A body still on its way (or a large or chunked one), or an emulated latency, would hold up every other
        // request on the dispatcher.
        executor.execute(() -> {
            try {
                answer(ex, declared);
            } catch (IOException | RuntimeException e) {
                ex.close(); // as the server does when a handler fails: the client sees the connection end
            }
        });
    }

    private void answer(HttpExchange ex, long declared) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            // Exactly the declared length when there is one: readAllBytes would take a 16 KiB buffer per request,
            // at 2,000 requests/s most of this JVM's garbage and so most of its collection pauses.
            body = declared >= 0 && declared <= MAX_EXACT_READ ? in.readNBytes((int) declared) : in.readAllBytes();
        }
        if (!latency.isZero()) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long n = invocations.incrementAndGet();
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        String echo = new String(body, StandardCharsets.UTF_8);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("component", component);
        answer.put("copy", copyId);
        answer.put("invocation", n);
        answer.put("contentType", contentType);
        answer.put("bytes", body.length);
        answer.put("echo", echo);
        if (model != null) answer.put("model", model);
        if (imageRootfs != null) answer.put("imageRootfs", imageRootfs);
        if (modelDirectory != null) answer.put("modelDirectory", modelDirectory);
        send(ex, 200, Json.write(answer));
    }

    private static long contentLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        if (v == null) return -1;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** What a real server would load: the files of its model directory, counted once at start. */
    private static Map<String, Object> describeModel(String dir) {
        if (dir == null) return null;
        long files = 0, bytes = 0;
        try (Stream<Path> walk = Files.walk(Path.of(dir))) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    files++;
                    bytes += Files.size(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model directory " + dir, e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", files);
        m.put("bytes", bytes);
        return m;
    }

    private static long longEnv(Map<String, String> env, String key) {
        String v = env.get(key);
        if (v == null || v.isBlank()) return 0;
        try {
            return Math.max(0, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    void stop() {
        boolean started = exitReason == null;
        exitReason = started ? "stopped" : exitReason;
        if (started) {
            http.stop(0);
            executor.shutdownNow();
        }
    }
}
