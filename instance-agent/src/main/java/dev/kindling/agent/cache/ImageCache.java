package dev.kindling.agent.cache;

import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.store.BlobStore;
import java.util.List;

/**
 * A tier that may hold an image's blobs, consulted before the registry (an endpoint's image cache, a peer instance).
 * It copies a blob into the store only after checking its digest; a miss, an error or a corrupt copy means the next
 * tier.
 */
public interface ImageCache {

    /** Name for reports and failure reasons. */
    String name();

    /** Puts the verified blob into the store and says so, or says why not. */
    Outcome provide(Descriptor blob, BlobStore store);

    /**
     * What one attempt gave, and what the tier found wrong with itself on the way (a blob its volume should hold and
     * does not, a corrupt copy), which the control plane hears of so it can rebuild the cache.
     */
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

        /** The tier had the blob but it was unusable (corrupt, unreadable); the reason names the blob. */
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
