package dev.kindling.agent.cache;

import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;

/**
 * An image cache kept as a directory of blobs ({@code root/blobs/sha256/<hex>}), such as a prepared cache volume a
 * new instance mounts. Each blob is copied into the store while hashed, and published only if it matches. A corrupt
 * or unreadable copy is reported as a fault of the cache, with the generation of the volume when it has one.
 */
public final class DirectoryImageCache implements ImageCache {

    private final String name;
    private final Path blobs;
    private final Long generation;
    private final Throughput disk;

    public DirectoryImageCache(String name, Path root) {
        this(name, root, null, Throughput.UNLIMITED);
    }

    /** A cache of one generation of an endpoint's volume (null: none known), its copies paced by the instance's disk. */
    public DirectoryImageCache(String name, Path root, Long generation, Throughput disk) {
        this.name = name;
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.generation = generation;
        this.disk = disk;
    }

    @Override
    public String name() {
        return name;
    }

    /** Where the volume keeps a blob. */
    public Path path(Digest digest) {
        return blobs.resolve(digest.hex());
    }

    @Override
    public Outcome provide(Descriptor blob, BlobStore store) {
        Path source = path(blob.digest());
        if (!Files.isRegularFile(source)) return new Outcome.Miss();
        Path scratch = null;
        try {
            // A scratch file of its own: the blob's partial file may be another pull's download of the same blob.
            scratch = store.scratchFor(blob.digest());
            MessageDigest sha = Hashes.sha256();
            long bytes;
            try (InputStream in = Files.newInputStream(source);
                 OutputStream out = new DigestOutputStream(disk.pace(Files.newOutputStream(scratch)), sha)) {
                bytes = in.transferTo(out);
            }
            Digest actual = Digest.of(sha.digest());
            if (!actual.equals(blob.digest())) {
                String detail = "its " + bytes + " bytes hash to " + actual;
                return new Outcome.Failed(name + " holds a corrupt copy of blob " + blob.digest() + " (it hashes to "
                        + actual + ")", List.of(fault(CacheFault.CORRUPT, blob.digest(), detail)));
            }
            store.publish(blob.digest(), scratch);
            return new Outcome.Hit(bytes);
        } catch (IOException e) {
            return new Outcome.Failed(name + " could not provide blob " + blob.digest() + ": " + e.getMessage(),
                    List.of(fault(CacheFault.UNREADABLE, blob.digest(), e.toString())));
        } finally {
            if (scratch != null) {
                try {
                    Files.deleteIfExists(scratch);
                } catch (IOException ignored) {
                    // only scratch; the store deletes leftovers when it opens
                }
            }
        }
    }

    private CacheFault fault(String kind, Digest digest, String detail) {
        return new CacheFault(CopyStartup.IMAGE, name, kind, digest.toString(), generation, detail);
    }
}
