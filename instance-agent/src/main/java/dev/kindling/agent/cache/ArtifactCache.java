package dev.kindling.agent.cache;

import dev.kindling.agent.artifact.ObjectVersion;
import java.nio.file.Path;

/**
 * A tier that may hold a model artifact's objects, consulted before S3 (an endpoint's model cache, later a peer
 * instance). It writes an object only after checking it against the object's ETag; a miss, an error or a corrupt
 * copy means the next tier.
 */
public interface ArtifactCache {

    /** Name for reports and failure reasons. */
    String name();

    /**
     * Writes a verified copy of the object to {@code target} and says so, or says why not (leaving no file). Copies go
     * through a scratch file of their own beside the target, named {@code <target>.<unique>.copying}, which the
     * artifact store deletes at open if a crash left one.
     */
    Outcome provide(ObjectVersion object, Path target);

    /** What one attempt gave. */
    sealed interface Outcome {
        record Hit(long bytes) implements Outcome {}

        record Miss() implements Outcome {}

        /** The tier had the object but it was unusable (corrupt, unreadable, unverifiable); the reason names it. */
        record Failed(String reason) implements Outcome {}
    }
}
