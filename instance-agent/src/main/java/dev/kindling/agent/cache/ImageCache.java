package dev.kindling.agent.cache;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.store.BlobStore;

/**
 * A tier that may hold an image's blobs, consulted before the registry (an endpoint's image cache). It copies a
 * blob into the store only after checking its digest; a miss, an error or a corrupt copy means the next tier.
 */
public interface ImageCache {

    /** Name for reports and failure reasons. */
    String name();

    /** Puts the verified blob into the store and says so, or says why not. */
    Outcome provide(Descriptor blob, BlobStore store);

    /** What one attempt gave. */
    sealed interface Outcome {
        record Hit(long bytes) implements Outcome {}

        record Miss() implements Outcome {}

        /** The tier had the blob but it was unusable (corrupt, unreadable); the reason names the blob. */
        record Failed(String reason) implements Outcome {}
    }
}
