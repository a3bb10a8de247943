package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.artifact.ObjectVersion;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a cache volume holds, as its {@code kindling-cache.json} (written last, once the volume is complete) lists it:
 * the endpoint and generation it was built for, every image's blobs by digest and every model's objects by S3 URI
 * and ETag.
 */
public record VolumeContent(String endpointName, long generation, List<Image> images, List<Model> models) {

    /** The name of the list at the volume's root. */
    public static final String FILE = "kindling-cache.json";

    public VolumeContent {
        images = images == null ? List.of() : List.copyOf(images);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** One image by the reference the plan named, its manifest digest, and every blob (manifest and config included). */
    public record Image(String source, String manifestDigest, long bytes, List<Blob> blobs) {
        public Image {
            blobs = blobs == null ? List.of() : List.copyOf(blobs);
        }
    }

    public record Blob(String digest, long size) {}

    /** One model by its artifact URL, and every object as stored in S3. */
    public record Model(String source, long bytes, List<StoredObject> objects) {
        public Model {
            objects = objects == null ? List.of() : List.copyOf(objects);
        }
    }

    /** An object as S3 stores it; the ETag as S3 sends it (quoted) or bare. */
    public record StoredObject(String uri, String etag, long size) {}

    /** Lookups by blob digest and by object version, built once per volume. */
    Index index() {
        Map<String, Long> blobs = new HashMap<>();
        images.forEach(i -> i.blobs().forEach(b -> blobs.put(b.digest(), b.size())));
        Map<String, Long> objects = new HashMap<>();
        models.forEach(m -> m.objects().forEach(o -> objects.put(objectKey(o.uri(), o.etag()), o.size())));
        return new Index(Map.copyOf(blobs), Map.copyOf(objects));
    }

    static String objectKey(String uri, String etag) {
        return uri + "@" + ObjectVersion.unquote(etag == null ? "" : etag);
    }

    record Index(Map<String, Long> blobs, Map<String, Long> objects) {

        boolean listsBlob(String digest) {
            return blobs.containsKey(digest);
        }

        boolean listsObject(ObjectVersion o) {
            return objects.containsKey(objectKey(o.uri().toString(), o.eTag()));
        }
    }
}
