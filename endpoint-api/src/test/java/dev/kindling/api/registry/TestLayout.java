package dev.kindling.api.registry;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.RegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * An OCI image layout written by hand, as a test needs it: blobs under {@code blobs/sha256/}, manifests and
 * indexes of either family, and an {@code index.json} naming the images with their ref names.
 */
final class TestLayout {

    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** An image named in index.json. */
    record Named(Descriptor descriptor, String refName) {}

    final Path dir;

    TestLayout(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Digest digestOf(byte[] bytes) {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Path blobPath(Digest d) {
        return dir.resolve("blobs").resolve("sha256").resolve(d.hex());
    }

    Descriptor blob(String mediaType, byte[] bytes) {
        Digest d = digestOf(bytes);
        try {
            Files.write(blobPath(d), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Descriptor(mediaType, d, bytes.length);
    }

    /** An image manifest of {@code manifestType} (OCI or Docker) over a config and layers. */
    Descriptor image(String manifestType, String architecture, List<byte[]> layers) {
        boolean docker = manifestType.equals(RegistryClient.DOCKER_MANIFEST);
        Descriptor config = blob(docker ? DOCKER_CONFIG : OCI_CONFIG,
                ("{\"architecture\":\"" + architecture + "\",\"os\":\"linux\"}").getBytes(StandardCharsets.UTF_8));
        List<Descriptor> ls = new ArrayList<>();
        for (byte[] l : layers) ls.add(blob(docker ? DOCKER_LAYER : OCI_LAYER, l));
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + manifestType + "\",\"config\":")
                .append(json(config)).append(",\"layers\":[");
        for (int i = 0; i < ls.size(); i++) b.append(i > 0 ? "," : "").append(json(ls.get(i)));
        return blob(manifestType, b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    /** An index (OCI) or manifest list (Docker) over manifests, each with its architecture on linux. */
    Descriptor index(String indexType, List<Descriptor> manifests, List<String> architectures) {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + indexType + "\",\"manifests\":[");
        for (int i = 0; i < manifests.size(); i++) {
            Descriptor m = manifests.get(i);
            b.append(i > 0 ? "," : "").append("{\"mediaType\":\"").append(m.mediaType()).append("\",\"digest\":\"")
                    .append(m.digest()).append("\",\"size\":").append(m.size())
                    .append(",\"platform\":{\"os\":\"linux\",\"architecture\":\"").append(architectures.get(i)).append("\"}}");
        }
        return blob(indexType, b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes index.json naming these images. */
    TestLayout names(Named... images) {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_INDEX
                + "\",\"manifests\":[");
        for (int i = 0; i < images.length; i++) {
            Descriptor d = images[i].descriptor();
            b.append(i > 0 ? "," : "").append("{\"mediaType\":\"").append(d.mediaType()).append("\",\"digest\":\"")
                    .append(d.digest()).append("\",\"size\":").append(d.size());
            if (images[i].refName() != null) {
                b.append(",\"annotations\":{\"org.opencontainers.image.ref.name\":\"").append(images[i].refName()).append("\"}");
            }
            b.append('}');
        }
        try {
            Files.writeString(dir.resolve("index.json"), b.append("]}"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    static String json(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }
}
