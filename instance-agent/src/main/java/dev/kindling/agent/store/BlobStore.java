package dev.kindling.agent.store;

import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Blobs by digest under {@code root/blobs/sha256/<hex>}. A blob being fetched lives in {@code root/partial/} with a
 * record of the chunks it already holds, so an interrupted fetch resumes; it is moved into place only after its
 * digest is verified, so whatever is under {@code blobs/} is whole and correct.
 */
public final class BlobStore {

    private final Path blobs;
    private final Path partial;

    public BlobStore(Path root) {
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.partial = root.resolve("partial");
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(partial);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob store under " + root, e);
        }
    }

    public Path path(Digest digest) {
        return blobs.resolve(digest.hex());
    }

    public boolean contains(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    /** Where a blob is assembled while it is fetched. */
    public Path partialData(Digest digest) {
        return partial.resolve(digest.hex() + ".data");
    }

    /** One byte per chunk, 1 once the chunk's bytes are in the partial data file. */
    public Path partialChunks(Digest digest, long chunkBytes) {
        return partial.resolve(digest.hex() + "." + chunkBytes + ".chunks");
    }

    /** Moves a verified partial blob into the store. */
    public void publish(Digest digest, Path verified) throws IOException {
        try {
            Files.move(verified, path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(verified, path(digest), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Forgets a partial blob (after a digest mismatch, its bytes cannot be trusted). */
    public void discardPartial(Digest digest, long chunkBytes) throws IOException {
        Files.deleteIfExists(partialData(digest));
        Files.deleteIfExists(partialChunks(digest, chunkBytes));
    }
}
