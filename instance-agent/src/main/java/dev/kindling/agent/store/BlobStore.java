package dev.kindling.agent.store;

import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Blobs by digest under {@code root/blobs/sha256/<hex>}. A blob being fetched lives in {@code root/partial/} with a
 * record of the chunks it already holds, so an interrupted fetch resumes; it is moved into place only after its
 * digest is verified, so whatever is under {@code blobs/} is whole and correct.
 *
 * <p>The store keeps within a disk budget: {@link #makeRoom} evicts the least recently used blobs, never one that
 * a running copy holds through a {@link Lease}, and says so when the budget cannot be met.
 */
public final class BlobStore {

    private final Path blobs;
    private final Path partial;
    private final long budgetBytes;
    /** Published blobs and their sizes, least recently used first. */
    private final LinkedHashMap<Digest, Long> lru = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Digest, Integer> pins = new HashMap<>();
    private long usedBytes;

    /** A store without a budget. */
    public BlobStore(Path root) {
        this(root, Long.MAX_VALUE);
    }

    public BlobStore(Path root, long budgetBytes) {
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.partial = root.resolve("partial");
        this.budgetBytes = budgetBytes;
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(partial);
            List<Path> present;
            try (Stream<Path> files = Files.list(blobs)) {
                present = files.filter(Files::isRegularFile).sorted(Comparator.comparing(BlobStore::mtime)).toList();
            }
            for (Path f : present) {
                long size = Files.size(f);
                lru.put(new Digest(f.getFileName().toString()), size);
                usedBytes += size;
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot open the blob store under " + root + ": " + e.getMessage(), e);
        }
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** Blobs a running copy needs: they cannot be evicted until the lease closes. */
    public final class Lease implements AutoCloseable {
        private final Set<Digest> digests;
        private boolean closed;

        private Lease(Set<Digest> digests) {
            this.digests = Set.copyOf(digests);
        }

        @Override
        public void close() {
            synchronized (BlobStore.this) {
                if (closed) return;
                closed = true;
                for (Digest d : digests) pins.computeIfPresent(d, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /** Pins blobs (present or about to be fetched) for as long as a copy uses them; marks them recently used. */
    public synchronized Lease lease(Set<Digest> digests) {
        for (Digest d : digests) {
            pins.merge(d, 1, Integer::sum);
            lru.get(d); // access order: a leased blob is the most recently used
        }
        return new Lease(digests);
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }

    /**
     * Frees space for {@code incomingBytes} more by deleting least recently used blobs that no lease holds.
     * Throws when even that is not enough, naming what is pinned.
     */
    public synchronized void makeRoom(long incomingBytes) throws IOException {
        if (usedBytes + incomingBytes <= budgetBytes) return;
        Iterator<Map.Entry<Digest, Long>> it = lru.entrySet().iterator();
        while (usedBytes + incomingBytes > budgetBytes && it.hasNext()) {
            Map.Entry<Digest, Long> e = it.next();
            if (pins.containsKey(e.getKey())) continue;
            Files.deleteIfExists(path(e.getKey()));
            usedBytes -= e.getValue();
            it.remove();
        }
        if (usedBytes + incomingBytes > budgetBytes) {
            throw new IOException("blob store budget of " + budgetBytes + " bytes cannot take " + incomingBytes
                    + " more: " + usedBytes + " bytes are held by running copies");
        }
    }

    public Path path(Digest digest) {
        return blobs.resolve(digest.hex());
    }

    public synchronized boolean contains(Digest digest) {
        return lru.get(digest) != null && Files.isRegularFile(path(digest));
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
        long size = Files.size(verified);
        try {
            Files.move(verified, path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(verified, path(digest), StandardCopyOption.REPLACE_EXISTING);
        }
        synchronized (this) {
            Long previous = lru.put(digest, size);
            usedBytes += size - (previous == null ? 0 : previous);
        }
    }

    /** Forgets a partial blob (after a digest mismatch, its bytes cannot be trusted). */
    public void discardPartial(Digest digest, long chunkBytes) throws IOException {
        Files.deleteIfExists(partialData(digest));
        Files.deleteIfExists(partialChunks(digest, chunkBytes));
    }
}
