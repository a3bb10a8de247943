package dev.kindling.agent.image;

import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.Manifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Images already unpacked on a read-only volume mounted on this instance (the endpoint's cache volume), which a copy
 * uses where they lie: nothing is copied and nothing unpacked, so nothing is written.
 */
public interface MountedImages {

    /** No volume: every lookup misses. */
    MountedImages NONE = new MountedImages() {
        @Override
        public Lookup find(Manifest manifest) {
            return new Lookup.NotThere(List.of(), List.of());
        }

        @Override
        public Optional<Manifest> manifest(String reference) {
            return Optional.empty();
        }

        @Override
        public boolean holds(Digest manifestDigest) {
            return false;
        }

        @Override
        public long changes() {
            return 0;
        }
    };

    /** The unpacked image of this manifest, its tree checked against the digest the volume lists; or why not. */
    Lookup find(Manifest manifest);

    /**
     * The manifest a volume lists for this reference, read from the volume and checked against its digest: how a
     * copy of a cached image starts while the registry cannot be asked what the reference names.
     */
    Optional<Manifest> manifest(String reference);

    /** Whether the image of this manifest is on a volume here and its tree was found intact (no bytes read). */
    boolean holds(Digest manifestDigest);

    /** A count that changes whenever what {@link #holds} answers may have changed. */
    long changes();

    /** What a lookup found. */
    sealed interface Lookup {

        /**
         * The image's root filesystem on the volume, the tier to report, the generation of the volume (null for
         * a configured directory), and how long checking its tree took.
         */
        record Found(Path rootfs, String tier, Long generation, long verifyNanos) implements Lookup {}

        /** Not usable in place: what the tier found wrong with itself, and the fallbacks to report. */
        record NotThere(List<CacheFault> faults, List<String> fallbacks) implements Lookup {
            public NotThere {
                faults = List.copyOf(faults);
                fallbacks = List.copyOf(fallbacks);
            }
        }
    }
}
