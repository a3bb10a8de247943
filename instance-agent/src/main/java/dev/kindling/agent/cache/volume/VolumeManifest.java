package dev.kindling.agent.cache.volume;

import dev.kindling.agent.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a cache volume holds, as written to its {@value #FILE_NAME} last, once every blob and object in it is
 * verified: a volume without the file is incomplete. Images are listed by the reference copies name, with the digest
 * of the manifest the reference resolved to and every blob the image needs (manifest, config, layers); models by
 * their artifact URL, with every object as S3 stored it (ETag quoted, as S3 sends it).
 */
public record VolumeManifest(String endpointName, long generation, List<CachedImage> images, List<CachedModel> models) {

    public static final String FILE_NAME = "kindling-cache.json";
    /** Where a volume keeps models: {@code models/<bucket>/<key>}. */
    public static final String MODELS = "models";

    public VolumeManifest {
        images = images == null ? List.of() : List.copyOf(images);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /**
     * One image: the reference as planned, the manifest it resolved to, its blobs, and where it lies unpacked on the
     * volume with the digest of that tree, so agents use it in place (read by the agent's {@code VolumeContent}).
     */
    public record CachedImage(String source, String manifestDigest, long bytes, List<Blob> blobs, String rootfs,
                              String treeDigest) {
        public CachedImage {
            blobs = blobs == null ? List.of() : List.copyOf(blobs);
        }

        public CachedImage(String source, String manifestDigest, long bytes, List<Blob> blobs) {
            this(source, manifestDigest, bytes, blobs, null, null);
        }
    }

    /** A blob under {@code blobs/sha256/<hex>}. */
    public record Blob(String digest, long size) {}

    /**
     * One model artifact: its URL as planned, the objects it resolved to, and the directory a copy uses in place with
     * the digest of that tree.
     */
    public record CachedModel(String source, long bytes, List<CachedObject> objects, String directory, String treeDigest) {
        public CachedModel {
            objects = objects == null ? List.of() : List.copyOf(objects);
        }

        public CachedModel(String source, long bytes, List<CachedObject> objects) {
            this(source, bytes, objects, null, null);
        }
    }

    /** An S3 object under {@code models/<bucket>/<key>}: its URI, its ETag as S3 sends it (quoted), its size. */
    public record CachedObject(String uri, String etag, long size) {}

    public long imageBytes() {
        return images.stream().mapToLong(CachedImage::bytes).sum();
    }

    public long modelBytes() {
        return models.stream().mapToLong(CachedModel::bytes).sum();
    }

    public String toJson() {
        return Json.write(this);
    }

    public static VolumeManifest fromJson(String json) {
        return Json.read(json, VolumeManifest.class);
    }

    /** The manifest of a complete volume; throws if it has none (it is incomplete, or not a volume). */
    public static VolumeManifest read(Path volume) throws IOException {
        return fromJson(Files.readString(volume.resolve(FILE_NAME)));
    }
}
