package dev.kindling.agent.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client against a scripted registry: auth challenges, refused credentials, a registry that ignores
 * Range, serves wrong bytes, fails transiently, or stalls.
 */
class RegistryFaultsIT {

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final byte[] blob = new byte[300_000];
    private final Digest blobDigest;

    RegistryFaultsIT() {
        new Random(5).nextBytes(blob);
        blobDigest = Digest.of(LocalRegistry.sha256(blob));
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private String start(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
        server.createContext("/", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            handler.handle(ex);
        });
        server.start();
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int status, byte[] body, String... headers) throws IOException {
        for (int i = 0; i < headers.length; i += 2) ex.getResponseHeaders().add(headers[i], headers[i + 1]);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    private void sendRange(HttpExchange ex, byte[] content) throws IOException {
        String[] range = ex.getRequestHeaders().getFirst("Range").replace("bytes=", "").split("-");
        int from = Integer.parseInt(range[0]);
        int to = Integer.parseInt(range[1]);
        byte[] part = java.util.Arrays.copyOfRange(content, from, to + 1);
        send(ex, 206, part, "Content-Range", "bytes " + from + "-" + to + "/" + content.length);
    }

    private static RegistryClient client(String host, RegistryCredentials creds) {
        return RegistryClient.forReference(ImageReference.parse(host + "/x"), creds, Duration.ofSeconds(5));
    }

    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"c\",\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":2},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void answersABearerChallengeWithATokenFromTheRealmUsingTheCredentials() throws Exception {
        AtomicInteger tokenCalls = new AtomicInteger();
        String host = start(ex -> {
            String path = ex.getRequestURI().getPath();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (path.equals("/token")) {
                tokenCalls.incrementAndGet();
                boolean rightUser = RegistryCredentials.fixed("AWS", "secret").forRegistry("").orElseThrow().header().equals(auth);
                boolean rightScope = ex.getRequestURI().getQuery().contains("scope=repository:team/llm:pull");
                send(ex, rightUser && rightScope ? 200 : 401, "{\"token\":\"t0k3n\"}".getBytes(StandardCharsets.UTF_8));
            } else if ("Bearer t0k3n".equals(auth)) {
                send(ex, 200, MANIFEST, "Content-Type", RegistryClient.OCI_MANIFEST);
            } else {
                send(ex, 401, new byte[0], "WWW-Authenticate", "Bearer realm=\"http://" + ex.getLocalAddress().getHostString()
                        + ":" + ex.getLocalAddress().getPort() + "/token\",service=\"registry\",scope=\"repository:team/llm:pull\"");
            }
        });
        try (RegistryClient c = client(host, RegistryCredentials.fixed("AWS", "secret"))) {
            assertThat(c.pullManifest(ImageReference.parse(host + "/team/llm:v1")).layers()).isEmpty();
            assertThat(c.pullManifest(ImageReference.parse(host + "/team/llm:v1")).layers()).isEmpty();
        }
        assertThat(tokenCalls).as("the token is cached per scope").hasValue(1);
    }

    @Test
    void answersABasicChallengeAndSaysWhenCredentialsAreMissingOrRefused() throws Exception {
        String good = RegistryCredentials.fixed("u", "p").forRegistry("").orElseThrow().header();
        String host = start(ex -> {
            if (good.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 200, MANIFEST, "Content-Type", RegistryClient.OCI_MANIFEST);
            } else {
                send(ex, 401, new byte[0], "WWW-Authenticate", "Basic realm=\"registry\"");
            }
        });
        try (RegistryClient c = client(host, RegistryCredentials.fixed("u", "p"))) {
            assertThat(c.pullManifest(ImageReference.parse(host + "/team/llm:v1")).mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
        }
        try (RegistryClient c = client(host, RegistryCredentials.anonymous())) {
            assertThatThrownBy(() -> c.pullManifest(ImageReference.parse(host + "/team/llm:v1")))
                    .hasMessageContaining("no credentials are configured for " + host);
        }
        try (RegistryClient c = client(host, RegistryCredentials.fixed("u", "wrong"))) {
            assertThatThrownBy(() -> c.pullManifest(ImageReference.parse(host + "/team/llm:v1")))
                    .hasMessageContaining("refused our credentials (HTTP 401)");
        }
    }

    @Test
    void aManifestAnswerLargerThanAnyManifestIsRefusedWithoutReadingItAll() throws Exception {
        byte[] huge = new byte[5 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        String host = start(ex -> send(ex, 200, huge, "Content-Type", RegistryClient.OCI_MANIFEST));
        try (RegistryClient c = client(host, RegistryCredentials.anonymous())) {
            assertThatThrownBy(() -> c.pullManifest(ImageReference.parse(host + "/team/llm:v1")))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("larger than 4194304 bytes");
        }
    }

    @Test
    void aManifestThatDoesNotMatchTheDigestAskedForIsRefused() throws Exception {
        String host = start(ex -> send(ex, 200, MANIFEST, "Content-Type", RegistryClient.OCI_MANIFEST));
        Digest other = Digest.parse("sha256:" + "b".repeat(64));
        try (RegistryClient c = client(host, RegistryCredentials.anonymous())) {
            assertThatThrownBy(() -> c.pullManifest(ImageReference.parse(host + "/team/llm@" + other)))
                    .hasMessageContaining("manifest digest mismatch");
        }
    }

    @Test
    void wrongBytesFailTheBlobNamingItAndPublishNothing() throws Exception {
        byte[] evil = blob.clone();
        evil[1000] ^= 1;
        String host = start(ex -> sendRange(ex, evil));
        BlobStore store = new BlobStore(dir);
        try (RegistryClient c = client(host, RegistryCredentials.anonymous());
             BlobFetcher f = new BlobFetcher(new FetchSettings(64 * 1024, 3, 2, Duration.ofSeconds(5)))) {
            assertThatThrownBy(() -> f.fetch(c, "team/llm", List.of(new Descriptor("l", blobDigest, blob.length)), store, d -> { }))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("blob " + blobDigest + " does not match its digest");
        }
        assertThat(store.contains(blobDigest)).isFalse();
    }

    @Test
    void transientFailuresAreRetriedAndCounted() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String host = start(ex -> {
            if (calls.incrementAndGet() % 3 == 0) send(ex, 503, new byte[0]);
            else sendRange(ex, blob);
        });
        BlobStore store = new BlobStore(dir);
        try (RegistryClient c = client(host, RegistryCredentials.anonymous());
             BlobFetcher f = new BlobFetcher(new FetchSettings(64 * 1024, 2, 4, Duration.ofSeconds(5)))) {
            FetchReport r = f.fetch(c, "team/llm", List.of(new Descriptor("l", blobDigest, blob.length)), store, d -> { });
            assertThat(r.chunkRetries()).isPositive();
        }
        assertThat(store.contains(blobDigest)).isTrue();
    }

    @Test
    void aRegistryThatIgnoresRangeIsNamed() throws Exception {
        String host = start(ex -> send(ex, 200, blob));
        try (RegistryClient c = client(host, RegistryCredentials.anonymous());
             BlobFetcher f = new BlobFetcher(new FetchSettings(64 * 1024, 1, 1, Duration.ofSeconds(5)))) {
            assertThatThrownBy(() -> f.fetch(c, "team/llm", List.of(new Descriptor("l", blobDigest, blob.length)),
                    new BlobStore(dir), d -> { }))
                    .hasMessageContaining("ignored the Range header");
        }
    }

    @Test
    void aStalledChunkIsAbandonedAtItsTimeout() throws Exception {
        String host = start(ex -> {
            ex.sendResponseHeaders(206, 64 * 1024);
            ex.getResponseBody().write(new byte[10]);
            ex.getResponseBody().flush();
            try {
                Thread.sleep(5_000); // never sends the rest
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        try (RegistryClient c = client(host, RegistryCredentials.anonymous());
             BlobFetcher f = new BlobFetcher(new FetchSettings(64 * 1024, 1, 1, Duration.ofMillis(300)))) {
            assertThatThrownBy(() -> f.fetch(c, "team/llm", List.of(new Descriptor("l", blobDigest, 64 * 1024)),
                    new BlobStore(dir), d -> { }))
                    .hasMessageContaining("timed out");
        }
    }
}
