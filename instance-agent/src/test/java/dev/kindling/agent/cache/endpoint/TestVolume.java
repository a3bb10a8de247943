package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.internal.Json;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.RegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An endpoint cache volume for tests, laid out as the cache manager builds one: {@code blobs/sha256/<hex>},
 * {@code models/<bucket>/<key>}, for use in place unpacked images and model directories (through the agent's own
 * writers, which the builder calls), and {@code kindling-cache.json} written last, spelled out key by key as the contract
 * gives it (not through the agent's own reader).
 */
public final class TestVolume {

    private final Path root;
    private final String endpointName;
    private final long generation;
    private final List<Map<String, Object>> images = new ArrayList<>();
    private final List<Map<String, Object>> models = new ArrayList<>();

    private TestVolume(Path root, String endpointName, long generation) {
        this.root = root;
        this.endpointName = endpointName;
        this.generation = generation;
    }

    public static TestVolume at(Path root, String endpointName, long generation) {
        return new TestVolume(root, endpointName, generation);
    }

    public Path root() {
        return root;
    }

    /** The model cache location a grant gives for this volume. */
    public Path models() {
        return root.resolve("models");
    }

    public Path blobPath(Digest digest) {
        return root.resolve("blobs/sha256").resolve(digest.hex());
    }

    /** Lists an image of these blobs (config and layers) and writes each into the volume. */
    public TestVolume image(String source, byte[]... blobs) {
        List<Map<String, Object>> listed = new ArrayList<>();
        long bytes = 0;
        for (byte[] b : blobs) {
            Digest d = digest(b);
            write(blobPath(d), b);
            listed.add(Map.of("digest", d.toString(), "size", (long) b.length));
            bytes += b.length;
        }
        images.add(Map.of("source", source, "manifestDigest", "sha256:" + "0".repeat(64), "bytes", bytes, "blobs", listed));
        return this;
    }

    /**
     * Lists an image for use in place as the cache manager builds one: its manifest (bytes as the registry stores
     * them), config and layers as blobs, and its root filesystem unpacked by {@link VolumeImages#unpackInto}.
     */
    public TestVolume unpackedImage(String source, byte[] manifest, byte[]... blobs) {
        List<Map<String, Object>> listed = new ArrayList<>();
        long bytes = 0;
        for (byte[] b : blobs) {
            Digest d = digest(b);
            write(blobPath(d), b);
            listed.add(Map.of("digest", d.toString(), "size", (long) b.length));
            bytes += b.length;
        }
        Digest manifestDigest = digest(manifest);
        write(blobPath(manifestDigest), manifest);
        listed.add(Map.of("digest", manifestDigest.toString(), "size", (long) manifest.length));
        try {
            VolumeImages.Unpacked unpacked = VolumeImages.unpackInto(root, RegistryClient.manifestOf(manifest));
            images.add(Map.of("source", source, "manifestDigest", manifestDigest.toString(), "bytes", bytes, "blobs", listed,
                    "rootfs", unpacked.rootfs(), "treeDigest", unpacked.treeDigest().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Lists a model of one object for use in place: stored as S3 stores it, laid out by {@link VolumeModels#unpackInto}. */
    public TestVolume unpackedModel(String source, String bucket, String key, byte[] content) {
        write(models().resolve(bucket).resolve(key), content);
        VolumeContent.StoredObject stored = new VolumeContent.StoredObject("s3://" + bucket + "/" + key,
                "\"" + md5(content) + "\"", content.length);
        try {
            VolumeModels.Directory directory = VolumeModels.unpackInto(root, source, List.of(stored));
            Map<String, Object> object = Map.of("uri", stored.uri(), "etag", stored.etag(), "size", (long) content.length);
            models.add(Map.of("source", source, "bytes", (long) content.length, "objects", List.of(object),
                    "directory", directory.directory(), "treeDigest", directory.treeDigest().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Where the image of this manifest is unpacked on the volume. */
    public Path rootfs(byte[] manifest) {
        return root.resolve(VolumeImages.rootfs(digest(manifest)));
    }

    /** Where a model is laid out on the volume, as listed; null if it is not. */
    public Path modelDirectory(String source) {
        return models.stream().filter(m -> m.get("source").equals(source) && m.containsKey("directory"))
                .map(m -> root.resolve((String) m.get("directory"))).findFirst().orElse(null);
    }

    /** Lists a model of one object and writes it into the volume as S3 stores it; its ETag is the MD5 of its bytes. */
    public TestVolume model(String source, String bucket, String key, byte[] content) {
        write(models().resolve(bucket).resolve(key), content);
        Map<String, Object> object = Map.of("uri", "s3://" + bucket + "/" + key, "etag", "\"" + md5(content) + "\"",
                "size", (long) content.length);
        models.add(Map.of("source", source, "bytes", (long) content.length, "objects", List.of(object)));
        return this;
    }

    /** Writes {@code kindling-cache.json}: the volume is complete. */
    public TestVolume complete() {
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("endpointName", endpointName);
        list.put("generation", generation);
        list.put("images", images);
        list.put("models", models);
        write(root.resolve("kindling-cache.json"), Json.write(list).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return this;
    }

    public static Digest digest(byte[] content) {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String md5(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
