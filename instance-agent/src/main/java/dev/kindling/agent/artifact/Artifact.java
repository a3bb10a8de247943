package dev.kindling.agent.artifact;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A complete artifact in the store: the directory to mount or pass as the model directory, its bytes on disk, when
 * it was completed, and the object versions it was built from.
 */
public record Artifact(ArtifactKey key, S3Uri uri, Path directory, long bytes, Instant completedAt,
                       List<ObjectVersion> objects) {

    public Artifact {
        objects = List.copyOf(objects);
    }
}
