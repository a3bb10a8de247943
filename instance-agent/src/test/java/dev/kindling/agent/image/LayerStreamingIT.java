package dev.kindling.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.TestTars;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer is unpacked while it arrives, not after: against a scripted registry that holds back the last chunk of
 * a one-layer image, the layer's file grows in the root filesystem before that chunk is sent. A layer whose bytes
 * then fail their digest fails the pull (the unpacker stops; nothing hangs).
 */
class LayerStreamingIT {

    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    /**
     * Serves a one-layer image; the chunk of the layer starting at {@code heldOffset} waits for {@code release};
     * {@code served} replaces the layer's bytes on the wire (to corrupt them).
     */
    private String serve(byte[] layer, byte[] served, long heldOffset, CountDownLatch release) throws IOException {
        Descriptor config = new Descriptor("application/vnd.oci.image.config.v1+json",
                Digest.of(LocalRegistry.sha256("{}".getBytes(StandardCharsets.UTF_8))), 2);
        Descriptor layerDescriptor = new Descriptor("application/vnd.oci.image.layer.v1.tar",
                Digest.of(LocalRegistry.sha256(layer)), layer.length);
        byte[] manifest = LocalRegistry.manifestJson(RegistryClient.OCI_MANIFEST, config, List.of(layerDescriptor));
        Map<String, byte[]> blobs = Map.of(config.digest().toString(), "{}".getBytes(StandardCharsets.UTF_8),
                layerDescriptor.digest().toString(), served);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.contains("/manifests/")) {
                send(ex, 200, manifest, RegistryClient.OCI_MANIFEST);
                return;
            }
            byte[] blob = blobs.get(path.substring(path.lastIndexOf('/') + 1));
            String[] range = ex.getRequestHeaders().getFirst("Range").replace("bytes=", "").split("-");
            int from = Integer.parseInt(range[0]);
            int to = Integer.parseInt(range[1]);
            if (blob == served && from == heldOffset) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + blob.length);
            send(ex, 206, Arrays.copyOfRange(blob, from, to + 1), "application/octet-stream");
        });
        server.start();
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private CompletableFuture<ImagePuller.Result> pull(String host, BlobFetcher fetcher, Path rootfs) {
        ImageReference ref = ImageReference.parse(host + "/team/llm:1");
        return CompletableFuture.supplyAsync(() -> {
            try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30))) {
                return new ImagePuller(fetcher).pull(c, ref, new BlobStore(dir.resolve("store")), rootfs);
            }
        });
    }

    @Test
    void aLayerIsUnpackedWhileItsLastChunkIsStillOnItsWay() throws Exception {
        byte[] weights = new byte[20 * CHUNK];
        new Random(3).nextBytes(weights);
        byte[] layer = TestTars.tar(false, "weights.bin", weights);
        long lastChunk = (layer.length - 1) / CHUNK * CHUNK;
        CountDownLatch release = new CountDownLatch(1);
        String host = serve(layer, layer, lastChunk, release);
        Path file = dir.resolve("rootfs/weights.bin");
        try (BlobFetcher fetcher = new BlobFetcher(new FetchSettings(CHUNK, 2, 1, Duration.ofSeconds(30)))) {
            CompletableFuture<ImagePuller.Result> pulled = pull(host, fetcher, dir.resolve("rootfs"));

            // Everything but the last chunk has landed: most of the file is already written.
            Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> Files.exists(file) && Files.size(file) >= 10L * CHUNK);
            assertThat(pulled).isNotDone();

            release.countDown();
            assertThat(pulled.get(30, TimeUnit.SECONDS).layerBytesWritten()).isEqualTo(weights.length);
            assertThat(Files.readAllBytes(file)).isEqualTo(weights);
        }
    }

    @Test
    void aLayerThatFailsItsDigestAfterUnpackingStartedFailsThePull() throws Exception {
        byte[] weights = new byte[8 * CHUNK];
        new Random(4).nextBytes(weights);
        byte[] layer = TestTars.tar(false, "weights.bin", weights);
        byte[] corrupt = layer.clone();
        corrupt[corrupt.length / 2] ^= 1; // inside the file's bytes: the tar still parses, the digest does not match
        String host = serve(layer, corrupt, -1, new CountDownLatch(0));
        try (BlobFetcher fetcher = new BlobFetcher(new FetchSettings(CHUNK, 2, 1, Duration.ofSeconds(30)))) {
            CompletableFuture<ImagePuller.Result> pulled = pull(host, fetcher, dir.resolve("rootfs"));

            assertThatThrownBy(() -> pulled.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(RegistryException.class).hasMessageContaining("does not match its digest");
        }
    }
}
