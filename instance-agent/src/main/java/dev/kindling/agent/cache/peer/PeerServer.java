package dev.kindling.agent.cache.peer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.internal.Json;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent API's peer side: {@code GET /v1/peer/blobs/sha256:<hex>} and {@code GET /v1/peer/objects?uri=&etag=}
 * stream a blob or model object this instance holds to another instance of its endpoint, with its Content-Length,
 * paced by this instance's network. 401 without a bearer token, 403 with any token but the current grant's peer
 * token (or when none is granted), 404 for what it does not hold; errors are problem documents (RFC 9457).
 */
public final class PeerServer implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(PeerServer.class);
    private static final String BLOBS = AgentPaths.peerBlob("");

    private final Supplier<String> token;
    private final HeldContent content;

    /** Serves {@code content} to callers presenting the token {@code token} supplies at the time (null: none granted). */
    public PeerServer(Supplier<String> token, HeldContent content) {
        this.token = token;
        this.content = content;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            PeerAccess.Verdict verdict = PeerAccess.check(ex.getRequestHeaders().getFirst(AgentPaths.AUTHORIZATION), token.get());
            if (verdict == PeerAccess.Verdict.UNAUTHENTICATED) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                problem(ex, 401, "Unauthorized", "peer requests carry Authorization: Bearer <the endpoint's peer token>");
                return;
            }
            if (verdict == PeerAccess.Verdict.FORBIDDEN) {
                problem(ex, 403, "Forbidden", "the token is not this endpoint's peer token");
                return;
            }
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET");
                problem(ex, 405, "Method Not Allowed", ex.getRequestMethod() + " is not served; use GET");
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (path.startsWith(BLOBS)) {
                serveBlob(ex, path.substring(BLOBS.length()));
            } else if (path.equals(AgentPaths.PEER_OBJECT)) {
                serveObject(ex);
            } else {
                problem(ex, 404, "Not Found", "no such peer resource: " + path);
            }
        }
    }

    private void serveBlob(HttpExchange ex, String digestText) throws IOException {
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (IllegalArgumentException e) {
            problem(ex, 400, "Bad Request", e.getMessage());
            return;
        }
        send(ex, content.blob(digest), "blob " + digest);
    }

    private void serveObject(HttpExchange ex) throws IOException {
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        String uriText = query.get("uri");
        String eTag = query.get("etag");
        S3Uri uri;
        try {
            uri = S3Uri.parse(uriText);
        } catch (IllegalArgumentException e) {
            problem(ex, 400, "Bad Request", "query parameter uri: " + e.getMessage());
            return;
        }
        if (uri.isPrefix() || eTag == null || eTag.isBlank()) {
            problem(ex, 400, "Bad Request", "an object is named by uri (s3://bucket/key, not a prefix) and etag");
            return;
        }
        send(ex, content.object(uri.bucket(), uri.key(), eTag), "object " + uri + " (ETag " + eTag + ")");
    }

    private void send(HttpExchange ex, Optional<Path> held, String what) throws IOException {
        if (held.isEmpty()) {
            problem(ex, 404, "Not Found", "this instance does not hold " + what);
            return;
        }
        // Opened first: a file evicted after this stays readable until closed, one evicted before is a 404.
        FileChannel file;
        try {
            file = FileChannel.open(held.get(), StandardOpenOption.READ);
        } catch (NoSuchFileException evicted) {
            problem(ex, 404, "Not Found", "this instance no longer holds " + what);
            return;
        }
        try (file; InputStream in = Channels.newInputStream(file)) {
            long size = file.size();
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, size == 0 ? -1 : size);
            try (OutputStream out = content.network().pace(ex.getResponseBody())) {
                in.transferTo(out);
            }
        } catch (IOException e) {
            // The peer went away or timed out mid-transfer; it verifies what it got, so this is its problem to retry.
            log.atDebug().addKeyValue("what", what).log("Serving a peer stopped: {}", e.toString());
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }

    private static void problem(HttpExchange ex, int status, String title, String detail) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
