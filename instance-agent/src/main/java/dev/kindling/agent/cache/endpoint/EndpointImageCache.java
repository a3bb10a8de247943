package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.cache.DirectoryImageCache;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.store.BlobStore;
import java.nio.file.Files;
import java.util.List;

/**
 * The endpoint image cache tier: blobs from the volume granted now. A blob the volume lists but lacks is a
 * {@code missing} fault, a copy that does not hash to its digest a {@code corrupt} one, one that cannot be read an
 * {@code unreadable} one; a volume that is not there (or not complete, or of another endpoint or generation) is one
 * fault naming its location. A blob the volume does not list is a plain miss. Each fault carries the generation read.
 */
public final class EndpointImageCache implements ImageCache {

    private final EndpointCaches caches;

    EndpointImageCache(EndpointCaches caches) {
        this.caches = caches;
    }

    @Override
    public String name() {
        return EndpointCaches.IMAGE_TIER;
    }

    @Override
    public Outcome provide(Descriptor blob, BlobStore store) {
        EndpointVolume volume = caches.images();
        if (volume == null) return new Outcome.Miss();
        DirectoryImageCache directory = new DirectoryImageCache(name(), volume.data(), volume.generation(), caches.disk());
        return switch (volume.state()) {
            case EndpointVolume.State.Unusable u -> new Outcome.Miss(List.of(
                    new CacheFault(CopyStartup.IMAGE, name(), u.kind(), volume.location(), volume.generation(), u.detail())));
            case EndpointVolume.State.Unlisted u -> directory.provide(blob, store);
            case EndpointVolume.State.Listed l -> {
                String digest = blob.digest().toString();
                if (!l.index().listsBlob(digest)) yield new Outcome.Miss();
                if (!Files.isRegularFile(directory.path(blob.digest()))) {
                    yield new Outcome.Miss(List.of(new CacheFault(CopyStartup.IMAGE, name(), CacheFault.MISSING, digest,
                            volume.generation(), "listed in " + VolumeContent.FILE + " but not in " + volume.location())));
                }
                yield directory.provide(blob, store);
            }
        };
    }
}
