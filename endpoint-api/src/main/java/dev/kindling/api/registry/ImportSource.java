package dev.kindling.api.registry;

import dev.kindling.agent.registry.ImageReference;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Where an import reads an image: an OCI image layout on the control plane's disk, or another registry. */
public sealed interface ImportSource {

    String RULE = "must be oci:<path-to-OCI-image-layout>[:<ref.name>] or "
            + "docker://<registry-host>[:port]/<repository>[:tag|@digest]";

    /**
     * {@code oci:<path>[:<ref.name>]}: split at the first colon after {@code oci:}, as skopeo does, so the path
     * may not hold a colon and the ref name may.
     */
    record Layout(Path directory, String refName) implements ImportSource {
        @Override
        public String toString() {
            return "oci:" + directory + (refName == null ? "" : ":" + refName);
        }
    }

    /** {@code docker://<host>[:port]/<repository>[:tag|@digest]}. */
    record Registry(ImageReference reference) implements ImportSource {
        @Override
        public String toString() {
            return "docker://" + reference;
        }
    }

    /** Parses a source; throws IllegalArgumentException whose message is the rule it broke. */
    static ImportSource parse(String source) {
        if (source.startsWith("oci:")) {
            String rest = source.substring(4);
            int colon = rest.indexOf(':');
            String path = colon < 0 ? rest : rest.substring(0, colon);
            String ref = colon < 0 || colon == rest.length() - 1 ? null : rest.substring(colon + 1);
            if (path.isBlank()) throw new IllegalArgumentException(RULE + "; the path is missing");
            try {
                return new Layout(Path.of(path), ref);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(RULE + "; '" + path + "' is not a path: " + e.getReason());
            }
        }
        if (source.startsWith("docker://")) {
            try {
                return new Registry(ImageReference.parse(source.substring("docker://".length())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(RULE + "; " + e.getMessage());
            }
        }
        throw new IllegalArgumentException(RULE);
    }
}
