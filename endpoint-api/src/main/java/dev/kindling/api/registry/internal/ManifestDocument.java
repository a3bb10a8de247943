package dev.kindling.api.registry.internal;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.RegistryClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A manifest or index read from its bytes: its media type and what it references, which is what an import must
 * copy and what a registry must hold before the manifest may be served. An image manifest references its config
 * and layers ({@link #blobs}); an index or manifest list references other manifests ({@link #manifests}).
 */
public record ManifestDocument(String mediaType, List<Descriptor> blobs, List<Descriptor> manifests) {

    /** The media types the registry stores and serves: OCI and Docker, image manifests and indexes. */
    public static final Set<String> MEDIA_TYPES = Set.of(RegistryClient.OCI_MANIFEST, RegistryClient.OCI_INDEX,
            RegistryClient.DOCKER_MANIFEST, RegistryClient.DOCKER_LIST);
    /** Manifests are small; a larger "manifest" is something else and is not read into memory. */
    public static final long MAX_BYTES = 4L << 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ManifestDocument {
        blobs = List.copyOf(blobs);
        manifests = List.copyOf(manifests);
    }

    /**
     * Reads a manifest. {@code declaredType} is what the referrer said it is (an index entry's media type, or
     * null); the document's own {@code mediaType} must agree with it. Throws IllegalArgumentException saying
     * what is wrong.
     */
    public static ManifestDocument parse(byte[] bytes, String declaredType) {
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("is not JSON: " + e.getOriginalMessage());
        }
        if (!json.isObject()) throw new IllegalArgumentException("is not a JSON object");
        if (json.path("schemaVersion").asInt(0) != 2) {
            throw new IllegalArgumentException("has schemaVersion " + json.path("schemaVersion") + "; only 2 is supported");
        }
        String own = json.path("mediaType").asString("");
        String declared = declaredType == null ? "" : declaredType;
        if (!own.isEmpty() && !declared.isEmpty() && !own.equals(declared)) {
            throw new IllegalArgumentException("says it is " + own + " but is referenced as " + declared);
        }
        String type = !own.isEmpty() ? own : !declared.isEmpty() ? declared
                : json.has("manifests") ? RegistryClient.OCI_INDEX : RegistryClient.OCI_MANIFEST;
        if (!MEDIA_TYPES.contains(type)) {
            throw new IllegalArgumentException("has media type " + type + "; supported are " + MEDIA_TYPES);
        }
        List<Descriptor> blobs = new ArrayList<>();
        List<Descriptor> manifests = new ArrayList<>();
        if (type.equals(RegistryClient.OCI_INDEX) || type.equals(RegistryClient.DOCKER_LIST)) {
            if (!json.path("manifests").isArray()) throw new IllegalArgumentException("is an index without 'manifests'");
            for (JsonNode m : json.path("manifests")) manifests.add(descriptor(m, "manifests[" + manifests.size() + "]"));
        } else {
            if (!json.path("config").isObject()) throw new IllegalArgumentException("is an image manifest without 'config'");
            blobs.add(descriptor(json.path("config"), "config"));
            int i = 0;
            for (JsonNode l : json.path("layers")) blobs.add(descriptor(l, "layers[" + i++ + "]"));
        }
        return new ManifestDocument(type, blobs, manifests);
    }

    private static Descriptor descriptor(JsonNode n, String where) {
        String digest = n.path("digest").asString("");
        long size = n.path("size").asLong(-1);
        if (size < 0) throw new IllegalArgumentException("has no size at " + where);
        try {
            return new Descriptor(n.path("mediaType").asString(""), Digest.parse(digest), size);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a bad digest at " + where + ": " + e.getMessage());
        }
    }
}
