package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a cache volume holds, as its {@code kindling-cache.json} (written last, once the volume is complete) lists it:
 * the endpoint and generation it was built for, every image's blobs by digest and every model's objects by S3 URI
 * and ETag.
 *
 * <p>Optional, for use in place (a volume without them is served blob by blob and object by object):
 * {@code images[].rootfs}, the image's unpacked root filesystem relative to the volume root
 * ({@code images/<manifest hex>/rootfs}), and {@code images[].treeDigest}, its {@link
 * dev.kindling.agent.image.TreeDigest}; {@code models[].directory}, the model directory as a copy sees it relative to
 * the volume root ({@code models/<bucket>/<prefix>} for a prefix stored file by file, {@code unpacked/<sha256 of the
 * URL>} for a packed model unpacked or a single object), and {@code models[].treeDigest}. Written by {@link
 * VolumeImages} and {@link VolumeModels}.
 */
public record VolumeContent(String endpointName, long generation, List<Image> images, List<Model> models) {

    /** The name of the list at the volume's root. */
    public static final String FILE = "kindling-cache.json";
    /** Where a volume keeps models: {@code models/<bucket>/<key>}. */
    public static final String MODELS = "models";

    public VolumeContent {
        images = images == null ? List.of() : List.copyOf(images);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** One image by the reference the plan named, its manifest digest, and every blob (manifest and config included). */
    public record Image(String source, String manifestDigest, long bytes, List<Blob> blobs, String rootfs,
                        String treeDigest) {
        public Image {
            blobs = blobs == null ? List.of() : List.copyOf(blobs);
        }

        /** An image listed blob by blob only. */
        public Image(String source, String manifestDigest, long bytes, List<Blob> blobs) {
            this(source, manifestDigest, bytes, blobs, null, null);
        }

        /** Whether the volume holds this image unpacked, for use in place. */
        public boolean unpacked() {
            return rootfs != null && treeDigest != null;
        }
    }

    public record Blob(String digest, long size) {}

    /** One model by its artifact URL, and every object as stored in S3. */
    public record Model(String source, long bytes, List<StoredObject> objects, String directory, String treeDigest) {
        public Model {
            objects = objects == null ? List.of() : List.copyOf(objects);
        }

        /** A model listed object by object only. */
        public Model(String source, long bytes, List<StoredObject> objects) {
            this(source, bytes, objects, null, null);
        }

        /** Whether the volume holds this model as a directory a copy can use in place. */
        public boolean inPlace() {
            return directory != null && treeDigest != null;
        }
    }

    /** An object as S3 stores it; the ETag as S3 sends it (quoted) or bare. */
    public record StoredObject(String uri, String etag, long size) {}

    public long imageBytes() {
        return images.stream().mapToLong(Image::bytes).sum();
    }

    public long modelBytes() {
        return models.stream().mapToLong(Model::bytes).sum();
    }

    public String toJson() {
        return Json.write(this);
    }

    public static VolumeContent fromJson(String json) {
        return Json.read(json, VolumeContent.class);
    }

    /** The list of a complete volume; throws if it has none (it is incomplete, or not a volume). */
    public static VolumeContent read(Path volume) throws IOException {
        return fromJson(Files.readString(volume.resolve(FILE)));
    }

    /** Lookups by blob digest and by object version, and of what is there to use in place, built once per volume. */
    Index index() {
        Map<String, Long> blobs = new HashMap<>();
        images.forEach(i -> i.blobs().forEach(b -> blobs.put(b.digest(), b.size())));
        Map<String, Long> objects = new HashMap<>();
        models.forEach(m -> m.objects().forEach(o -> objects.put(objectKey(o.uri(), o.etag()), o.size())));
        Map<String, Image> byManifest = new HashMap<>();
        Map<String, Image> bySource = new HashMap<>();
        images.stream().filter(Image::unpacked).forEach(i -> {
            if (i.manifestDigest() != null) byManifest.putIfAbsent(i.manifestDigest(), i);
            if (i.source() != null) bySource.putIfAbsent(i.source(), i);
        });
        Map<String, Model> modelsBySource = new HashMap<>();
        models.stream().filter(Model::inPlace).filter(m -> m.source() != null)
                .forEach(m -> modelsBySource.putIfAbsent(m.source(), m));
        return new Index(Map.copyOf(blobs), Map.copyOf(objects), Map.copyOf(byManifest), Map.copyOf(bySource),
                Map.copyOf(modelsBySource));
    }

    static String objectKey(String uri, String etag) {
        return uri + "@" + ObjectVersion.unquote(etag == null ? "" : etag);
    }

    record Index(Map<String, Long> blobs, Map<String, Long> objects, Map<String, Image> unpackedByManifest,
                 Map<String, Image> unpackedBySource, Map<String, Model> modelsInPlace) {

        boolean listsBlob(String digest) {
            return blobs.containsKey(digest);
        }

        boolean listsObject(ObjectVersion o) {
            return objects.containsKey(objectKey(o.uri().toString(), o.eTag()));
        }
    }
}
