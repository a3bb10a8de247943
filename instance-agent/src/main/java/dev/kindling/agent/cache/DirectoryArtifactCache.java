package dev.kindling.agent.cache;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.s3.ObjectIntegrity;
import dev.kindling.agent.s3.ObjectVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A model cache kept as a copy of S3's layout, {@code root/<bucket>/<key>} (what {@code aws s3 sync} makes), such
 * as a prepared cache volume a new instance mounts. Each object is copied while it is checked against its ETag
 * (MD5, or a multipart ETag with the likeliest part sizes), and kept only if it matches. A corrupt or unreadable copy
 * is reported as a fault of the cache, with the generation of the volume when it has one.
 */
public final class DirectoryArtifactCache implements ArtifactCache {

    private final String name;
    private final Path root;
    private final Throughput disk;
    private final Long generation;

    public DirectoryArtifactCache(String name, Path root) {
        this(name, root, Throughput.UNLIMITED);
    }

    /** A cache whose copies are paced by the instance's disk limit. */
    public DirectoryArtifactCache(String name, Path root, Throughput disk) {
        this(name, root, null, disk);
    }

    /** A cache of one generation of an endpoint's volume (null: none known), its copies paced by the instance's disk. */
    public DirectoryArtifactCache(String name, Path root, Long generation, Throughput disk) {
        this.name = name;
        this.root = root;
        this.disk = disk;
        this.generation = generation;
    }

    @Override
    public String name() {
        return name;
    }

    /** Where the cache keeps an object, or null for a key that would lead outside its bucket's directory. */
    public Path path(ObjectVersion object) {
        Path source = root.resolve(object.bucket()).resolve(object.key()).normalize();
        return source.startsWith(root.resolve(object.bucket())) ? source : null;
    }

    @Override
    public Outcome provide(ObjectVersion object, Path target) {
        Path source = path(object);
        if (source == null || !Files.isRegularFile(source)) return new Outcome.Miss();
        Path partial = null;
        try {
            long size = Files.size(source);
            if (size != object.size()) {
                return new Outcome.Failed(name + " holds another version of " + object.uri() + " (" + size + " bytes, not "
                        + object.size() + ")", List.of(fault(CacheFault.CORRUPT, object, size + " bytes, not " + object.size())));
            }
            ObjectVerifier verifier = ObjectIntegrity.fromETag(object).verifier();
            Files.createDirectories(target.getParent());
            // A scratch file of its own: two artifacts that share the object may copy it at the same time.
            partial = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".copying");
            byte[] buffer = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(source); OutputStream out = disk.pace(Files.newOutputStream(partial))) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    verifier.update(ByteBuffer.wrap(buffer, 0, n));
                    out.write(buffer, 0, n);
                }
            }
            ObjectVerifier.Verdict v = verifier.finish();
            if (!v.verified()) {
                boolean corrupt = v.failure() == ArtifactException.Code.CORRUPT;
                // An object nothing can verify (an opaque ETag) is no fault of the cache's.
                return new Outcome.Failed(name + (corrupt ? " holds a corrupt copy of " : " cannot verify its copy of ")
                        + object.uri() + ": it " + v.detail(),
                        corrupt ? List.of(fault(CacheFault.CORRUPT, object, "it " + v.detail())) : List.of());
            }
            FileTrees.move(partial, target);
            return new Outcome.Hit(size);
        } catch (IOException e) {
            return new Outcome.Failed(name + " could not provide " + object.uri() + ": " + e.getMessage(),
                    List.of(fault(CacheFault.UNREADABLE, object, e.toString())));
        } finally {
            if (partial != null) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // the partial copy is only scratch
                }
            }
        }
    }

    private CacheFault fault(String kind, ObjectVersion object, String detail) {
        return new CacheFault(CopyStartup.MODEL, name, kind, object.uri().toString(), generation, detail);
    }
}
