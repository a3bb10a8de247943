package dev.kindling.agent.registry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OCI registry for tests and benchmarks: Debian's {@code docker-registry} (distribution 2.8) serving from a
 * temporary directory on 127.0.0.1, with images pushed through the Distribution API.
 */
public final class LocalRegistry implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Process process;
    private final Path root;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private LocalRegistry(Process process, Path root, int port) {
        this.process = process;
        this.root = root;
        this.port = port;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(config, """
                version: 0.1
                log:
                  level: error
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port));
        Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry r = new LocalRegistry(p, dir, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                if (r.http.send(HttpRequest.newBuilder(r.url("/v2/")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return r;
                }
            } catch (IOException notYet) {
                // the registry is still starting
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IOException("docker-registry did not start; see " + dir.resolve("registry.log"));
            }
            Thread.sleep(50);
        }
    }

    /** The registry host as an image reference names it. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    private URI url(String path) {
        return URI.create("http://" + host() + path);
    }

    /** Uploads a blob from memory; returns its descriptor. */
    public Descriptor pushBlob(String repository, String mediaType, byte[] content) throws IOException, InterruptedException {
        Digest digest = Digest.of(sha256(content));
        upload(repository, digest, HttpRequest.BodyPublishers.ofByteArray(content));
        return new Descriptor(mediaType, digest, content.length);
    }

    /** Uploads a blob from a file whose digest the caller computed. */
    public Descriptor pushBlob(String repository, String mediaType, Path file, Digest digest) throws IOException, InterruptedException {
        upload(repository, digest, HttpRequest.BodyPublishers.ofFile(file));
        return new Descriptor(mediaType, digest, Files.size(file));
    }

    private void upload(String repository, Digest digest, HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(url("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) throw new IOException("upload start: HTTP " + start.statusCode() + " " + start.body());
        String location = start.headers().firstValue("Location").orElseThrow();
        URI put = URI.create(location.startsWith("http") ? location : "http://" + host() + location);
        String sep = put.getQuery() == null ? "?" : "&";
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(put + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream").PUT(body).timeout(Duration.ofMinutes(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) throw new IOException("upload of " + digest + ": HTTP " + done.statusCode() + " " + done.body());
    }

    /** Pushes a manifest (OCI or Docker, by {@code mediaType}) under a tag or digest; returns its digest. */
    public Digest pushManifest(String repository, String reference, String mediaType, byte[] manifest)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url("/v2/" + repository + "/manifests/" + reference))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IOException("manifest push: HTTP " + r.statusCode() + " " + r.body());
        return Digest.of(sha256(manifest));
    }

    /**
     * Deletes a blob from a repository, so a pull of it fails (404) while the manifests naming it are still served:
     * what an instance then gets of that image came from somewhere else.
     */
    public void deleteBlob(String repository, Digest digest) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url("/v2/" + repository + "/blobs/" + digest)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) throw new IOException("delete of " + digest + ": HTTP " + r.statusCode() + " " + r.body());
    }

    /** The HTTP status of a GET of a blob. */
    public int blobStatus(String repository, Digest digest) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url("/v2/" + repository + "/blobs/" + digest)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The size of a stored manifest, for index entries. */
    public long manifestSize(String repository, Digest digest) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url("/v2/" + repository + "/manifests/" + digest))
                .header("Accept", RegistryClient.OCI_MANIFEST + ", " + RegistryClient.DOCKER_MANIFEST).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw new IOException("manifest " + digest + ": HTTP " + r.statusCode());
        return r.body().length;
    }

    /** Pushes an image: a config and layers from memory, tagged; returns the manifest digest. */
    public Digest pushImage(String repository, String tag, String manifestType, byte[] config, List<byte[]> layers)
            throws IOException, InterruptedException {
        boolean docker = manifestType.equals(RegistryClient.DOCKER_MANIFEST);
        Descriptor cfg = pushBlob(repository, docker ? "application/vnd.docker.container.image.v1+json"
                : "application/vnd.oci.image.config.v1+json", config);
        List<Descriptor> ls = new ArrayList<>();
        for (byte[] l : layers) {
            ls.add(pushBlob(repository, docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                    : "application/vnd.oci.image.layer.v1.tar", l));
        }
        return pushManifest(repository, tag, manifestType, manifestJson(manifestType, cfg, ls));
    }

    public static byte[] manifestJson(String mediaType, Descriptor config, List<Descriptor> layers) {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"config\":")
                .append(descriptorJson(config)).append(",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            if (i > 0) b.append(',');
            b.append(descriptorJson(layers.get(i)));
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    public static String descriptorJson(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }

    public static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        http.close();
    }
}
