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

    @Override
    public void close() {
        http.close();
    }
}
