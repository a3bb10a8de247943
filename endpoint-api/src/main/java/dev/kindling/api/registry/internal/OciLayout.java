package dev.kindling.api.registry.internal;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OCI image layout on disk (what {@code skopeo copy ... oci:dir:tag} or {@code docker buildx --output
 * type=oci} writes): an {@code oci-layout} marker, an {@code index.json} naming the images, and blobs under
 * {@code blobs/sha256/}. Reading one checks its shape; the bytes of each blob are checked by whoever copies them.
 */
public final class OciLayout {

    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One image named by index.json: its descriptor and its ref name annotation (null when it has none). */
    public record Entry(Descriptor descriptor, String refName) {}

    private final Path root;
    private final List<Entry> entries;

    private OciLayout(Path root, List<Entry> entries) {
        this.root = root;
        this.entries = List.copyOf(entries);
    }

    /** Opens a layout; throws IllegalArgumentException saying why {@code root} is not one. */
    public static OciLayout open(Path root) throws IOException {
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("names " + dir + ", which is not a directory");
        Path marker = dir.resolve("oci-layout");
        if (!Files.isRegularFile(marker)) {
            throw new IllegalArgumentException("names " + dir + ", which is not an OCI image layout (it has no oci-layout file)");
        }
        JsonNode layout = read(marker, dir);
        String version = layout.path("imageLayoutVersion").asString("");
        if (!version.startsWith("1.")) {
            throw new IllegalArgumentException("names " + dir + ", an OCI image layout of version '" + version
                    + "'; only 1.x is supported");
        }
        Path indexFile = dir.resolve("index.json");
        if (!Files.isRegularFile(indexFile)) {
            throw new IllegalArgumentException("names " + dir + ", an OCI image layout without index.json");
        }
        JsonNode index = read(indexFile, dir);
        List<Entry> entries = new ArrayList<>();
        int i = 0;
        for (JsonNode m : index.path("manifests")) {
            Descriptor d;
            try {
                d = new Descriptor(m.path("mediaType").asString(""), Digest.parse(m.path("digest").asString("")),
                        m.path("size").asLong(-1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("names " + dir + ", whose index.json has a bad manifests[" + i + "]: "
                        + e.getMessage());
            }
            String ref = m.path("annotations").path(REF_NAME).asString("");
            entries.add(new Entry(d, ref.isEmpty() ? null : ref));
            i++;
        }
        if (entries.isEmpty()) throw new IllegalArgumentException("names " + dir + ", whose index.json lists no images");
        return new OciLayout(dir, entries);
    }

    private static JsonNode read(Path file, Path dir) throws IOException {
        if (Files.size(file) > ManifestDocument.MAX_BYTES) {
            throw new IllegalArgumentException("names " + dir + ", whose " + file.getFileName() + " is too large to be one");
        }
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(file));
            if (!n.isObject()) throw new IllegalArgumentException("names " + dir + ", whose " + file.getFileName() + " is not a JSON object");
            return n;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("names " + dir + ", whose " + file.getFileName() + " is not JSON: "
                    + e.getOriginalMessage());
        }
    }

    public Path root() {
        return root;
    }

    /**
     * The image to import: the one whose ref name is {@code refName}, or with no ref name asked, the only one.
     * Throws IllegalArgumentException listing the names there are.
     */
    public Entry select(String refName) {
        List<String> names = entries.stream().map(e -> e.refName() == null ? "(unnamed)" : e.refName()).toList();
        if (refName == null) {
            if (entries.size() == 1) return entries.getFirst();
            throw new IllegalArgumentException("names " + root + ", which holds " + entries.size()
                    + " images; add :<ref.name> to choose one of " + names);
        }
        List<Entry> matching = entries.stream().filter(e -> Objects.equals(e.refName(), refName)).toList();
        if (matching.isEmpty()) {
            throw new IllegalArgumentException("names ref '" + refName + "', which " + root + " does not hold; it has " + names);
        }
        return matching.getFirst();
    }

    /** Where the layout keeps a blob (manifests included). */
    public Path blob(Digest digest) {
        return root.resolve("blobs").resolve("sha256").resolve(digest.hex());
    }
}
