package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.archive.TarExtraction;
import dev.kindling.agent.artifact.ArtifactSource;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.cache.MountedModels;
import dev.kindling.agent.image.TreeDigest;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.artifact.ArtifactKey;
import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Models on an endpoint cache volume as a copy's model directory: the builder lays each out once
 * ({@link #unpackInto}), and a copy on an instance the volume is granted to uses that directory where it lies
 * ({@link InPlace}) instead of copying its objects into the instance's artifact store.
 */
public final class VolumeModels {

    private VolumeModels() {}

    /** A model directory on a volume, relative to its root, and its tree digest. */
    public record Directory(String directory, Digest treeDigest) {}

    /**
     * Lays out the model {@code artifactUrl} names, whose objects ({@code objects}, as S3 listed them) are on the
     * volume at {@code volumeRoot} under {@code models/<bucket>/<key>} and verified there: a packed model
     * ({@code .tar.gz}) is unpacked into {@code unpacked/<sha256 of the URL>}; a single other object is linked there
     * under its file name; a prefix is its directory {@code models/<bucket>/<prefix>} as stored, nothing written.
     */
    public static Directory unpackInto(Path volumeRoot, String artifactUrl, List<VolumeContent.StoredObject> objects)
            throws IOException {
        ArtifactSource source = sourceOf(artifactUrl, objects);
        String relative;
        if (source.isArchive() || objects.size() == 1 && !source.uri().isPrefix()) {
            relative = "unpacked/" + Hashes.sha256Hex(artifactUrl);
            Path directory = volumeRoot.resolve(relative);
            Path partial = directory.resolveSibling(directory.getFileName() + ".partial");
            FileTrees.delete(partial);
            FileTrees.delete(directory);
            Files.createDirectories(partial);
            ObjectVersion only = source.objects().get(0);
            Path stored = stored(volumeRoot, only);
            if (source.isArchive()) {
                TarExtraction.extract(stored, partial, TarExtraction.Rules.MODEL, Throughput.UNLIMITED);
            } else {
                link(stored, partial.resolve(source.relativePath(only)));
            }
            FileTrees.move(partial, directory);
        } else {
            String prefix = source.uri().asPrefix().key();
            relative = "models/" + source.uri().bucket() + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
            for (ObjectVersion o : source.objects()) {
                if (!Files.isRegularFile(stored(volumeRoot, o))) throw new IOException(o.uri() + " is not on the volume");
            }
        }
        return new Directory(relative, TreeDigest.of(volumeRoot.resolve(relative)));
    }

    private static Path stored(Path volumeRoot, ObjectVersion o) throws IOException {
        Path p = volumeRoot.resolve("models").resolve(o.bucket()).resolve(o.key());
        if (!Files.isRegularFile(p)) throw new IOException(o.uri() + " is not on the volume at " + p);
        return p;
    }

    /** A hard link costs no bytes; a copy where the file system cannot link. */
    private static void link(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.createLink(to, from);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(from, to);
        }
    }

    /** What a listed model is, as the artifact store names it. */
    static ArtifactSource sourceOf(String artifactUrl, List<VolumeContent.StoredObject> objects) {
        List<ObjectVersion> versions = objects.stream().map(o -> {
            S3Uri uri = S3Uri.parse(o.uri());
            return new ObjectVersion(uri.bucket(), uri.key(), o.size(), o.etag());
        }).toList();
        return ArtifactSource.resolved(S3Uri.parse(artifactUrl), versions);
    }

    /**
     * The models of the volume granted now, used in place: one the volume lists with a directory, holding the object
     * versions S3 lists now (or, when S3 cannot be asked, as the volume lists them), whose tree still has the listed
     * digest. A tree that differs is a {@code corrupt} fault, one that is not there a {@code missing} one, each naming
     * the directory as listed; the copy then takes the model object by object through the tiers.
     */
    public static final class InPlace implements MountedModels {

        private final EndpointCaches caches;

        InPlace(EndpointCaches caches) {
            this.caches = caches;
        }

        private static VolumeContent.Index listed(EndpointVolume volume) {
            return volume != null && volume.root() != null && volume.state() instanceof EndpointVolume.State.Listed l
                    ? l.index() : null;
        }

        @Override
        public Lookup find(String artifactUrl, ArtifactSource current) {
            EndpointVolume volume = caches.models();
            VolumeContent.Index index = listed(volume);
            VolumeContent.Model model = index == null ? null : index.modelsInPlace().get(artifactUrl);
            if (model == null) return new Lookup.NotThere(List.of(), List.of());
            ArtifactSource listed;
            try {
                listed = sourceOf(artifactUrl, model.objects());
            } catch (IllegalArgumentException e) {
                return new Lookup.NotThere(List.of(new CacheFault(CopyStartup.MODEL, EndpointCaches.MODEL_TIER,
                        CacheFault.CORRUPT, model.directory(), volume.generation(), "its listed objects: " + e.getMessage())),
                        List.of());
            }
            // Another version in S3 now: the volume is stale for this model, which its objects' tier finds too.
            if (current != null && !current.key().equals(listed.key())) return new Lookup.NotThere(List.of(), List.of());
            EndpointVolume.Verdict verdict = volume.verify(model.directory(), model.treeDigest(), caches::checked);
            if (!verdict.intact()) {
                CacheFault fault = new CacheFault(CopyStartup.MODEL, EndpointCaches.MODEL_TIER, verdict.kind(),
                        model.directory(), volume.generation(), verdict.detail());
                return new Lookup.NotThere(List.of(fault), List.of(EndpointCaches.MODEL_TIER + ": the model directory "
                        + model.directory() + " of " + volume.location() + " for " + artifactUrl + " cannot be used ("
                        + verdict.kind() + ": " + verdict.detail() + "); taking its objects through the tiers"));
            }
            Path directory = volume.tree(model.directory());
            return new Lookup.Found(directory, listed, bytesOf(directory), EndpointCaches.MODEL_TIER, volume.generation(),
                    verdict.nanos());
        }

        @Override
        public boolean holds(ArtifactKey key) {
            EndpointVolume volume = caches.models();
            VolumeContent.Index index = listed(volume);
            if (index == null) return false;
            for (VolumeContent.Model m : index.modelsInPlace().values()) {
                EndpointVolume.Verdict v = volume.verdict(m.directory());
                if (v == null || !v.intact()) continue;
                try {
                    if (sourceOf(m.source(), m.objects()).key().equals(key)) return true;
                } catch (IllegalArgumentException e) {
                    // a model the volume lists wrongly is held by nobody
                }
            }
            return false;
        }

        @Override
        public long changes() {
            return caches.changes();
        }

        private static long bytesOf(Path directory) {
            try (Stream<Path> walk = Files.walk(directory)) {
                return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
            } catch (IOException | UncheckedIOException e) {
                return 0;
            }
        }
    }
}
