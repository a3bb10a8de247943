package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.cache.DirectoryArtifactCache;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The endpoint model cache tier: model objects from the volume granted now, laid out as {@code <bucket>/<key>}, each
 * checked against its ETag. Faults as for images ({@link EndpointImageCache}): an object version the volume lists
 * but lacks is {@code missing}, one that does not match its ETag {@code corrupt}; an object (or another version of it)
 * the volume does not list is a plain miss.
 */
public final class EndpointModelCache implements ArtifactCache {

    private final EndpointCaches caches;

    EndpointModelCache(EndpointCaches caches) {
        this.caches = caches;
    }

    @Override
    public String name() {
        return EndpointCaches.MODEL_TIER;
    }

    @Override
    public Outcome provide(ObjectVersion object, Path target) {
        EndpointVolume volume = caches.models();
        if (volume == null) return new Outcome.Miss();
        DirectoryArtifactCache directory = new DirectoryArtifactCache(name(), volume.data(), volume.generation(), caches.disk());
        return switch (volume.state()) {
            case EndpointVolume.State.Unusable u -> new Outcome.Miss(List.of(
                    new CacheFault(CopyStartup.MODEL, name(), u.kind(), volume.location(), volume.generation(), u.detail())));
            case EndpointVolume.State.Unlisted u -> directory.provide(object, target);
            case EndpointVolume.State.Listed l -> {
                if (!l.index().listsObject(object)) yield new Outcome.Miss();
                Path source = directory.path(object);
                if (source == null || !Files.isRegularFile(source)) {
                    yield new Outcome.Miss(List.of(new CacheFault(CopyStartup.MODEL, name(), CacheFault.MISSING,
                            object.uri().toString(), volume.generation(),
                            "listed in " + VolumeContent.FILE + " but not in " + volume.location())));
                }
                yield directory.provide(object, target);
            }
        };
    }
}
