package dev.kindling.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The few calls of Kindling's REST API a benchmark makes to set itself up, over the JDK's HTTP client. */
public final class KindlingApi implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public KindlingApi(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    /** POSTs JSON that must be created (201) and returns the answer. */
    public JsonNode create(String path, String json) {
        HttpResponse<String> r = send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        if (r.statusCode() != 201) throw failed("POST", path, r);
        return JSON.readTree(r.body());
    }

    /** GETs JSON that must be there (200). */
    public JsonNode get(String path) {
        HttpResponse<String> r = send(request(path).GET().build());
        if (r.statusCode() != 200) throw failed("GET", path, r);
        return JSON.readTree(r.body());
    }

    /** PUTs JSON that must be accepted (any 2xx) and returns the answer. */
    public JsonNode put(String path, String json) {
        HttpResponse<String> r = send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
        if (r.statusCode() / 100 != 2) throw failed("PUT", path, r);
        return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    /** Parses a JSON answer read with {@link #probe}. */
    public static JsonNode json(String body) {
        return JSON.readTree(body);
    }

    /** GETs whatever is there: a probe of a resource a Kindling may not have yet. */
    public HttpResponse<String> probe(String path) {
        return send(request(path).GET().build());
    }

    /**
     * PUTs {@code bytes} pseudo-random, incompressible bytes from {@code seed} to {@code uri} (an object in an
     * S3-compatible store that asks for no credentials), streamed: nothing is held in memory or on disk.
     */
    public void putRandomObject(URI uri, long bytes, long seed) {
        HttpRequest put = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new RandomBytes(bytes, seed)), bytes))
                .build();
        HttpResponse<String> r = send(put);
        if (r.statusCode() / 100 != 2) throw new IllegalStateException("PUT " + uri + ": HTTP " + r.statusCode() + " " + r.body());
    }

    /** Makes a bucket in an S3-compatible store that asks for no credentials; one that exists already is fine. */
    public void putBucket(URI uri) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .PUT(HttpRequest.BodyPublishers.noBody()).build());
        if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
            throw new IllegalStateException("PUT " + uri + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    /** GETs a resource's status code only: 404 says it is gone. */
    public int status(String path) {
        return send(request(path).GET().build()).statusCode();
    }

    /** GETs text (the Prometheus exposition) that must be there. */
    public String text(String path) {
        HttpResponse<String> r = send(request(path).GET().build());
        if (r.statusCode() != 200) throw failed("GET", path, r);
        return r.body();
    }

    /** DELETEs a resource; gone already is fine. */
    public void delete(String path) {
        HttpResponse<String> r = send(request(path).DELETE().build());
        if (r.statusCode() / 100 != 2 && r.statusCode() != 404) throw failed("DELETE", path, r);
    }

    /** POSTs JSON once and returns the status and body, whatever they are: a probe before the load. */
    public HttpResponse<String> invoke(URI uri, java.util.Map<String, String> headers, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return send(b.build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }

    private static IllegalStateException failed(String method, String path, HttpResponse<String> r) {
        return new IllegalStateException(method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }

    /** A stream of pseudo-random bytes: incompressible, so no layer of the data path can shrink them. */
    private static final class RandomBytes extends java.io.InputStream {
        private final java.util.SplittableRandom random;
        private long left;

        RandomBytes(long bytes, long seed) {
            this.random = new java.util.SplittableRandom(seed);
            this.left = bytes;
        }

        @Override
        public int read() {
            if (left <= 0) return -1;
            left--;
            return random.nextInt(256);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) return -1;
            int n = (int) Math.min(len, left);
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                long v = random.nextLong();
                for (int k = 0; k < 8; k++) b[off + i + k] = (byte) (v >>> (8 * k));
            }
            for (; i < n; i++) b[off + i] = (byte) random.nextInt(256);
            left -= n;
            return n;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
