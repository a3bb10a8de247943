package dev.kindling.agent.cache.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The agent API's peer side on a real HTTP server: it serves what the instance holds, with its length, through the
 * instance's network limit, only to the bearer of the current peer token.
 */
class PeerServerIT {

    private static final String TOKEN = "peer-token-of-chat";

    @TempDir
    Path dir;
    private HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicReference<String> granted = new AtomicReference<>(TOKEN);
    private final AtomicLong uploaded = new AtomicLong();
    private final byte[] blob = random(1, 300_000);
    private final Digest digest = digest(blob);
    private final byte[] object = random(2, 100_000);

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Digest digest(byte[] b) {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws IOException {
        Path blobFile = Files.write(dir.resolve("blob"), blob);
        Path objectFile = Files.write(dir.resolve("object"), object);
        HeldContent held = new HeldContent() {
            @Override
            public Optional<Path> blob(Digest d) {
                return d.equals(digest) ? Optional.of(blobFile) : Optional.empty();
            }

            @Override
            public Optional<Path> object(String bucket, String key, String eTag) {
                return bucket.equals("models") && key.equals("llm/w.bin") && eTag.equals("abc-2")
                        ? Optional.of(objectFile) : Optional.empty();
            }

            @Override
            public Throughput network() {
                return uploaded::addAndGet;
            }
        };
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/peer/", new PeerServer(granted::get, held));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        http.close();
    }

    private HttpResponse<byte[]> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                .timeout(Duration.ofSeconds(5)).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aBlobIsServedWholeWithItsLengthThroughTheNetworkLimit() throws Exception {
        HttpResponse<byte[]> r = get("/v1/peer/blobs/" + digest, "Bearer " + TOKEN);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(blob.length);
        assertThat(r.body()).isEqualTo(blob);
        assertThat(uploaded).hasValue(blob.length);
    }

    @Test
    void aModelObjectIsServedByItsUriAndETag() throws Exception {
        String query = "?uri=" + URLEncoder.encode("s3://models/llm/w.bin", StandardCharsets.UTF_8) + "&etag=abc-2";
        HttpResponse<byte[]> r = get("/v1/peer/objects" + query, "Bearer " + TOKEN);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(object);
        assertThat(get("/v1/peer/objects?uri=s3://models/llm/w.bin&etag=abc-3", "Bearer " + TOKEN).statusCode())
                .as("another version").isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            no credentials                         | null                      | peer-token-of-chat | 401
            another scheme                         | Basic cGVlcg==            | peer-token-of-chat | 401
            another endpoint's token               | Bearer peer-token-of-bill | peer-token-of-chat | 403
            a token while this instance has none   | Bearer peer-token-of-chat | null               | 403
            """)
    void onlyTheCurrentPeerTokenIsServed(String label, String authorization, String grantedToken, int status) throws Exception {
        granted.set(grantedToken);

        HttpResponse<byte[]> blobAnswer = get("/v1/peer/blobs/" + digest, authorization);
        HttpResponse<byte[]> objectAnswer = get("/v1/peer/objects?uri=s3://models/llm/w.bin&etag=abc-2", authorization);

        assertThat(blobAnswer.statusCode()).isEqualTo(status);
        assertThat(objectAnswer.statusCode()).isEqualTo(status);
        assertThat(new String(blobAnswer.body(), StandardCharsets.UTF_8)).contains("\"status\":" + status).doesNotContain(TOKEN);
        assertThat(blobAnswer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(uploaded).as("nothing sent").hasValue(0);
    }

    @Test
    void aNewTokenReplacesTheOldAtOnce() throws Exception {
        granted.set("rotated");
        assertThat(get("/v1/peer/blobs/" + digest, "Bearer " + TOKEN).statusCode()).isEqualTo(403);
        assertThat(get("/v1/peer/blobs/" + digest, "Bearer rotated").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a blob it does not hold            | /v1/peer/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000 | 404
            not a digest                       | /v1/peer/blobs/latest                                                                   | 400
            an object without its ETag         | /v1/peer/objects?uri=s3://models/llm/w.bin                                              | 400
            a prefix rather than an object     | /v1/peer/objects?uri=s3://models/llm/&etag=abc-2                                        | 400
            not an S3 URI                      | /v1/peer/objects?uri=/etc/passwd&etag=abc-2                                             | 400
            no such peer resource              | /v1/peer/manifests/x                                                                    | 404
            """)
    void whatItDoesNotHoldOrCannotReadIsAProblem(String label, String path, int status) throws Exception {
        HttpResponse<byte[]> r = get(path, "Bearer " + TOKEN);

        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"status\":" + status);
    }
}
