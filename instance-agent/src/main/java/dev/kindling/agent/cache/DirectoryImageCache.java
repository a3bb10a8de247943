package dev.kindling.agent.cache;

import dev.kindling.agent.internal.Hashes;
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

/**
 * An image cache kept as a directory of blobs ({@code root/blobs/sha256/<hex>}), such as a prepared cache volume a
 * new instance mounts. Each blob is copied into the store while hashed, and published only if it matches.
 */
public final class DirectoryImageCache implements ImageCache {

    private final String name;
    private final Path blobs;

    public DirectoryImageCache(String name, Path root) {
        this.name = name;
        this.blobs = root.resolve("blobs").resolve("sha256");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Outcome provide(Descriptor blob, BlobStore store) {
        Path source = blobs.resolve(blob.digest().hex());
        if (!Files.isRegularFile(source)) return new Outcome.Miss();
        Path scratch = null;
        try {
            // A scratch file of its own: the blob's partial file may be another pull's download of the same blob.
            scratch = store.scratchFor(blob.digest());
            MessageDigest sha = Hashes.sha256();
            long bytes;
            try (InputStream in = Files.newInputStream(source);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(scratch), sha)) {
                bytes = in.transferTo(out);
            }
            Digest actual = Digest.of(sha.digest());
            if (!actual.equals(blob.digest())) {
                return new Outcome.Failed(name + " holds a corrupt copy of blob " + blob.digest() + " (it hashes to "
                        + actual + ")");
            }
            store.publish(blob.digest(), scratch);
            return new Outcome.Hit(bytes);
        } catch (IOException e) {
            return new Outcome.Failed(name + " could not provide blob " + blob.digest() + ": " + e.getMessage());
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
}
