package dev.kindling.agent.cache;

import dev.kindling.agent.artifact.ArtifactKey;
import dev.kindling.agent.artifact.ArtifactSource;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import java.nio.file.Path;
import java.util.List;

/**
 * Model directories on a read-only volume mounted on this instance (the endpoint's cache volume), which a copy uses
 * where they lie instead of copying their objects into the artifact store.
 */
public interface MountedModels {

    /** No volume: every lookup misses. */
    MountedModels NONE = new MountedModels() {
        @Override
        public Lookup find(String artifactUrl, ArtifactSource current) {
            return new Lookup.NotThere(List.of(), List.of());
        }

        @Override
        public boolean holds(ArtifactKey key) {
            return false;
        }

        @Override
        public long changes() {
            return 0;
        }
    };

    /**
     * The model the volume lists for {@code artifactUrl} as a directory, its tree checked against the listed digest;
     * when {@code current} (what S3 lists now) is given, only if the volume holds exactly those object versions, and
     * when S3 could not be asked (null), as the volume lists it.
     */
    Lookup find(String artifactUrl, ArtifactSource current);

    /** Whether the artifact of this key is on a volume here and its tree was found intact (no bytes read). */
    boolean holds(ArtifactKey key);

    /** A count that changes whenever what {@link #holds} answers may have changed. */
    long changes();

    /** What a lookup found. */
    sealed interface Lookup {

        /** The model directory on the volume, the object versions it was built from, and the tier's report. */
        record Found(Path directory, ArtifactSource source, long bytes, String tier, Long generation, long verifyNanos)
                implements Lookup {}

        /** Not usable in place: what the tier found wrong with itself, and the fallbacks to report. */
        record NotThere(List<CacheFault> faults, List<String> fallbacks) implements Lookup {
            public NotThere {
                faults = List.copyOf(faults);
                fallbacks = List.copyOf(fallbacks);
            }
        }
    }

}
