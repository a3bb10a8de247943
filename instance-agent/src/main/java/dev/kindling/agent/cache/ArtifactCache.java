package dev.kindling.agent.cache;

import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import java.nio.file.Path;
import java.util.List;

/**
 * A tier that may hold a model artifact's objects, consulted before S3 (an endpoint's model cache, a peer instance).
 * It writes an object only after checking it against the object's ETag; a miss, an error or a corrupt copy means the
 * next tier.
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

    /** What one attempt gave, and what the tier found wrong with itself on the way (as for images). */
    sealed interface Outcome {

        List<CacheFault> faults();

        record Hit(long bytes, List<CacheFault> faults) implements Outcome {
            public Hit {
                faults = List.copyOf(faults);
            }

            public Hit(long bytes) {
                this(bytes, List.of());
            }
        }

        record Miss(List<CacheFault> faults) implements Outcome {
            public Miss {
                faults = List.copyOf(faults);
            }

            public Miss() {
                this(List.of());
            }
        }

        /** The tier had the object but it was unusable (corrupt, unreadable, unverifiable); the reason names it. */
        record Failed(String reason, List<CacheFault> faults) implements Outcome {
            public Failed {
                faults = List.copyOf(faults);
            }

            public Failed(String reason) {
                this(reason, List.of());
            }
        }
    }
}
