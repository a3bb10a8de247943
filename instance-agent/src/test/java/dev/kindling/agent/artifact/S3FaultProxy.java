package dev.kindling.agent.artifact;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of an S3 endpoint that breaks object reads on cue, so the real server's listings, HEADs
 * and ranges stay real while a test decides which GETs fail: a status instead of the bytes, a flipped byte, or a
 * body that stalls. Other requests pass through.
 */
public final class S3FaultProxy implements AutoCloseable {

    /** One object GET as the proxy saw it: its number (from 1), path and Range header. */
    public record Get(int number, String path, String range) {}

    /** What to do to one GET. */
    public sealed interface Fault {
        Fault PASS = new Pass();

        record Pass() implements Fault {}

        /** Answer this status with an S3 error body instead of the bytes. */
        record Status(int status) implements Fault {}

        /** Pass the bytes with the one at {@code index} in this response flipped. */
        record FlipByte(int index) implements Fault {}

        /** Send this many bytes of the body, then nothing until the proxy closes. */
        record StallAfter(int bytes) implements Fault {}
    }

    /** Decides each GET's fault. */
    @FunctionalInterface
    public interface Script {
        Fault decide(Get get);
    }

    private static final Set<String> HOP_BY_HOP = Set.of("host", "connection", "content-length", "transfer-encoding",
            "keep-alive", "expect");

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final URI target;
    private final AtomicInteger gets = new AtomicInteger();
    private final List<Get> log = new CopyOnWriteArrayList<>();
    private volatile Script script = get -> Fault.PASS;

    private S3FaultProxy(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(handlers); // a stalled answer must not hold up the others
        server.createContext("/", this::forward);
        server.start();
    }

    public static S3FaultProxy in(URI target) throws IOException {
        return new S3FaultProxy(target);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public void script(Script s) {
        this.script = s;
    }

    /** Object GETs since the last {@link #clear()}. */
    public List<Get> gets() {
        return List.copyOf(log);
    }

    /** Forgets the GETs seen and numbers the next one 1 again. */
    public void clear() {
        log.clear();
        gets.set(0);
    }

    private void forward(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String pathAndQuery = ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
        String query = ex.getRequestURI().getRawQuery();
        boolean objectGet = method.equals("GET") && (query == null || !query.contains("list-type"))
                && ex.getRequestURI().getRawPath().chars().filter(c -> c == '/').count() >= 2;
        Fault fault = Fault.PASS;
        if (objectGet) {
            Get get = new Get(gets.incrementAndGet(), ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Range"));
            log.add(get);
            fault = script.decide(get);
        }
        if (fault instanceof Fault.Status s) {
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>injected "
                    + s.status() + "</Message></Error>").getBytes();
            ex.getResponseHeaders().set("Content-Type", "application/xml");
            ex.sendResponseHeaders(s.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
            return;
        }
        HttpURLConnection c = (HttpURLConnection) target.resolve(pathAndQuery).toURL().openConnection();
        c.setRequestMethod(method);
        c.setInstanceFollowRedirects(false);
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) continue;
            for (String v : h.getValue()) c.addRequestProperty(h.getKey(), v);
        }
        byte[] requestBody = ex.getRequestBody().readAllBytes();
        if (requestBody.length > 0) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(requestBody.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(requestBody);
            }
        }
        int status = c.getResponseCode();
        for (Map.Entry<String, List<String>> h : c.getHeaderFields().entrySet()) {
            if (h.getKey() == null || HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) continue;
            ex.getResponseHeaders().put(h.getKey(), h.getValue());
        }
        long length = c.getContentLengthLong();
        if (method.equals("HEAD")) {
            if (length >= 0) ex.getResponseHeaders().set("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        byte[] body = in == null ? new byte[0] : in.readAllBytes();
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        OutputStream out = ex.getResponseBody();
        switch (fault) {
            case Fault.FlipByte f -> {
                if (f.index() < body.length) body[f.index()] ^= 0x01;
                out.write(body);
            }
            case Fault.StallAfter s -> {
                out.write(body, 0, Math.min(s.bytes(), body.length));
                out.flush();
                try {
                    Thread.sleep(60_000); // until close() interrupts it
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt();
                }
            }
            default -> out.write(body);
        }
        try {
            out.close();
        } catch (IOException stalledAndStopped) {
            // the stalled answer's connection is gone: that was the fault
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }
}
