package dev.kindling.agent.store;

import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Blobs by digest under {@code root/blobs/sha256/<hex>}. A blob being fetched lives in {@code root/partial/} with a
 * record of the chunks it already holds, so an interrupted fetch resumes; it is moved into place only after its
 * digest is verified, so whatever is under {@code blobs/} is whole and correct.
 *
 * <p>The store keeps within a disk budget, its own or one it shares with the instance's other stores:
 * {@link #makeRoom} evicts the least recently used entries, never a blob that a running copy holds through a
 * {@link Lease}, and says so when the budget cannot be met.
 */
public final class BlobStore {

    /** The name of blob entries in a shared {@link DiskBudget}. */
    public static final String BUDGET_NAME = "blob";
    private static final String SCRATCH = ".copying";

    private final Path blobs;
    private final Path partial;
    private final DiskBudget budget;

    /** A store without a budget. */
    public BlobStore(Path root) {
        this(root, DiskBudget.unlimited());
    }

    /** A store with a budget of its own. */
    public BlobStore(Path root, long budgetBytes) {
        this(root, new DiskBudget(budgetBytes));
    }

    /** A store whose blobs count against a budget shared with the instance's other stores. */
    public BlobStore(Path root, DiskBudget budget) {
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.partial = root.resolve("partial");
        this.budget = budget;
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(partial);
            try (Stream<Path> files = Files.list(partial)) { // copies a crash interrupted; downloads resume instead
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(SCRATCH)).toList()) Files.deleteIfExists(f);
            }
            List<Path> present;
            try (Stream<Path> files = Files.list(blobs)) {
                present = files.filter(Files::isRegularFile).sorted(Comparator.comparing(BlobStore::mtime)).toList();
            }
            for (Path f : present) {
                Digest d = new Digest(f.getFileName().toString());
                budget.add(BUDGET_NAME, d.hex(), Files.size(f), mtime(f).toMillis(), () -> Files.deleteIfExists(path(d)));
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

    /** The budget this store's blobs count against. */
    public DiskBudget budget() {
        return budget;
    }

    /** Blobs a running copy needs: they cannot be evicted until the lease closes. */
    public static final class Lease implements AutoCloseable {
        private final DiskBudget.Lease held;

        private Lease(DiskBudget.Lease held) {
            this.held = held;
        }

        @Override
        public void close() {
            held.close();
        }
    }

    /** Pins blobs (present or about to be fetched) for as long as a copy uses them; marks them recently used. */
    public Lease lease(Set<Digest> digests) {
        return new Lease(budget.lease(BUDGET_NAME, digests.stream().map(Digest::hex).collect(Collectors.toSet())));
    }

    /** Bytes of this store's blobs. */
    public long usedBytes() {
        return budget.usedBytes(BUDGET_NAME);
    }

    /**
     * Frees space for {@code incomingBytes} more by deleting least recently used entries that no lease holds.
     * Throws when even that is not enough, naming what is pinned.
     */
    public void makeRoom(long incomingBytes) throws IOException {
        budget.makeRoom(incomingBytes);
    }

    /**
     * Makes room for a fetch of {@code bytes} and holds it until the reservation closes, by which time the fetched
     * blobs are published (and counted) or gone: two fetches are never promised the same free space.
     */
    public DiskBudget.Reservation reserve(long bytes) throws IOException {
        return budget.reserve(bytes);
    }

    public Path path(Digest digest) {
        return blobs.resolve(digest.hex());
    }

    /** Whether the blob is in the store; counts as a use. */
    public boolean contains(Digest digest) {
        return budget.touch(BUDGET_NAME, digest.hex()) && Files.isRegularFile(path(digest));
    }

    /** Whether the blob is in the store, without counting as a use (for reports of what the instance holds). */
    public boolean holds(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    /** Where a blob is assembled while it is fetched. */
    public Path partialData(Digest digest) {
        return partial.resolve(digest.hex() + ".data");
    }

    /**
     * A new, empty file of the caller's own beside the partial files, for a copy of the blob made in one go (from a
     * cache tier) that must not touch a download of the same blob under way; published like a partial file.
     */
    public Path scratchFor(Digest digest) throws IOException {
        return Files.createTempFile(partial, digest.hex() + ".", SCRATCH);
    }

    /** One byte per chunk, 1 once the chunk's bytes are in the partial data file. */
    public Path partialChunks(Digest digest, long chunkBytes) {
        return partial.resolve(digest.hex() + "." + chunkBytes + ".chunks");
    }

    /** Moves a verified partial blob into the store. */
    public void publish(Digest digest, Path verified) throws IOException {
        long size = Files.size(verified);
        FileTrees.move(verified, path(digest));
        budget.add(BUDGET_NAME, digest.hex(), size, () -> Files.deleteIfExists(path(digest)));
    }
}
