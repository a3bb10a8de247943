package dev.kindling.agent.artifact;

import dev.kindling.agent.internal.Hashes;
import java.util.Comparator;
import java.util.List;

/**
 * What identifies an artifact in the store: a SHA-256 of its URI and of every object's key, size and ETag, so an
 * object that changed in S3 makes a different artifact while the same objects always find the same one.
 */
public record ArtifactKey(String hex) {

    public ArtifactKey {
        if (hex == null || !hex.matches("^[0-9a-f]{64}$")) throw new IllegalArgumentException("not an artifact key: " + hex);
    }

    public static ArtifactKey of(S3Uri uri, List<ObjectVersion> objects) {
        StringBuilder b = new StringBuilder("kindling-artifact-v1\n").append(uri).append('\n');
        objects.stream().sorted(Comparator.comparing(ObjectVersion::key))
                .forEach(o -> b.append(o.key()).append('\t').append(o.size()).append('\t').append(o.eTag()).append('\n'));
        return new ArtifactKey(Hashes.sha256Hex(b.toString()));
    }

    /** The first 12 hex digits, for messages. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return hex;
    }
}
