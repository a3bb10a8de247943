package dev.kindling.agent.artifact;

import dev.kindling.agent.archive.TarExtraction;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.internal.Json;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.store.DiskBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Complete model artifacts by {@link ArtifactKey}, each a directory ready to serve as the model directory. On disk:
 * <pre>
 *   root/artifacts/&lt;key&gt;/model/          the model directory
 *   root/artifacts/&lt;key&gt;/artifact.json   URI, object versions, bytes, completion time
 *   root/objects/&lt;id&gt;.data, .&lt;chunk&gt;.chunks   objects being fetched, with the chunks they hold
 *   root/objects/&lt;id&gt;.verified            objects fetched and verified, not yet assembled
 *   root/objects/&lt;id&gt;.kept                packed models kept as fetched after unpacking, for peers
 *   root/objects/&lt;id&gt;.verified.*.copying  objects being copied from a cache tier
 *   root/staging/                           artifacts being assembled, and evicted ones being deleted
 * </pre>
 * An artifact is assembled in {@code staging/} from verified objects (unpacked, or linked file by file) and renamed
 * into {@code artifacts/} whole, so a crash never leaves half an artifact visible; an evicted one is renamed back into
 * {@code staging/} and deleted from there in the background. Staging leftovers are removed at open. The index of
 * complete artifacts per URI is rebuilt from the {@code artifact.json} files at open, so a warm start finds the newest
 * complete artifact for a URI without asking S3.
 *
 * <p>Artifacts count against a {@link DiskBudget} (their bytes on disk), which the instance's blob store may share;
 * a lease pins an artifact a running copy serves from. A packed model is kept as fetched beside its unpacked copy, so
 * peers can fetch it as S3 stores it, only while the budget has room: it counts as used long ago, so it is the first
 * thing evicted when room is needed.
 */
public final class ArtifactStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ArtifactStore.class);

    /** The name of artifact entries in a shared {@link DiskBudget}. */
    public static final String BUDGET_NAME = "artifact";
    /** The name of packed models kept for peers in a shared {@link DiskBudget}. */
    public static final String PACKED_BUDGET_NAME = "packed";
    private static final String KEPT = ".kept";
    private static final String MANIFEST = "artifact.json";

    private final Path artifacts;
    private final Path objects;
    private final Path staging;
    private final DiskBudget budget;
    /** Complete artifacts; never guarded by a lock of the store's, since eviction calls in under the budget's lock. */
    private final Map<ArtifactKey, Artifact> complete = new ConcurrentHashMap<>();
    private final ExecutorService syncs = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("artifact-sync").factory());

    /** What artifact.json holds. */
    record Manifest(String key, String uri, List<ObjectVersion> objects, long bytes, long completedAtMillis) {}

    /** A store with no budget. */
    public ArtifactStore(Path root) {
        this(root, DiskBudget.unlimited());
    }

    /** A store whose artifacts count against a budget, shared or its own. */
    public ArtifactStore(Path root, DiskBudget budget) {
        this.artifacts = root.resolve("artifacts");
        this.objects = root.resolve("objects");
        this.staging = root.resolve("staging");
        this.budget = budget;
        try {
            Files.createDirectories(artifacts);
            Files.createDirectories(objects);
            Files.createDirectories(staging);
            try (Stream<Path> leftovers = Files.list(staging)) {
                for (Path p : leftovers.toList()) FileTrees.delete(p); // interrupted assemblies, evictions not yet deleted
            }
            try (Stream<Path> scratch = Files.list(objects)) { // copies from a cache tier a crash interrupted
                for (Path p : scratch.filter(p -> p.getFileName().toString().endsWith(".copying")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            try (Stream<Path> dirs = Files.list(artifacts)) {
                for (Path dir : dirs.toList()) reopen(dir);
            }
            try (Stream<Path> kept = Files.list(objects)) {
                for (Path p : kept.filter(p -> p.getFileName().toString().endsWith(KEPT)).toList()) keep(p, Files.size(p));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the artifact store under " + root + ": " + e.getMessage(), e);
        }
    }

    private void reopen(Path dir) throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        Artifact a;
        try {
            Manifest m = Json.read(Files.readString(manifestFile), Manifest.class);
            a = new Artifact(new ArtifactKey(m.key()), S3Uri.parse(m.uri()), dir.resolve("model"), m.bytes(),
                    Instant.ofEpochMilli(m.completedAtMillis()), m.objects());
            if (!dir.getFileName().toString().equals(a.key().hex()) || !Files.isDirectory(a.directory())) {
                throw new IOException("artifact.json does not describe its directory");
            }
        } catch (IOException | RuntimeException e) {
            FileTrees.delete(dir); // only a rename publishes, so this is not ours or was damaged: nothing to keep
            return;
        }
        register(a, Files.getLastModifiedTime(manifestFile).toMillis());
    }

    private void register(Artifact a, long lastUsedMillis) {
        complete.put(a.key(), a);
        budget.add(BUDGET_NAME, a.key().hex(), a.bytes(), lastUsedMillis, () -> evict(a.key()));
    }

    /**
     * Moves an artifact the budget let go of aside, into {@code staging/}, and deletes it in the background: this
     * runs under the budget's lock, and deleting a model's files can take long. The index forgets it only once the
     * rename succeeded; a rename that fails leaves it complete and listed.
     */
    private void evict(ArtifactKey key) throws IOException {
        Path dir = artifacts.resolve(key.hex());
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) FileTrees.moveAside(dir, staging);
        complete.remove(key);
    }

    public DiskBudget budget() {
        return budget;
    }

    /** Bytes of this store's complete artifacts. */
    public long usedBytes() {
        return budget.usedBytes(BUDGET_NAME);
    }

    /** The complete artifact with this key, marked as used; empty if there is none. */
    public Optional<Artifact> get(ArtifactKey key) {
        Artifact a = complete.get(key);
        if (a == null || !Files.isDirectory(a.directory())) return Optional.empty();
        budget.touch(BUDGET_NAME, key.hex());
        return Optional.of(a);
    }

    /** The most recently completed artifact for a URI, from the index alone: no S3 call. */
    public Optional<Artifact> newest(S3Uri uri) {
        return complete.values().stream().filter(a -> a.uri().equals(uri))
                .max(Comparator.comparing(Artifact::completedAt)).flatMap(a -> get(a.key()));
    }

    /** Every complete artifact, newest first. */
    public List<Artifact> artifacts() {
        return complete.values().stream().sorted(Comparator.comparing(Artifact::completedAt).reversed()).toList();
    }

    /**
     * Pins an artifact (present or about to be fetched) for as long as a copy serves from it, and marks it used,
     * also on disk so the order survives a restart.
     */
    public DiskBudget.Lease lease(Set<ArtifactKey> keys) {
        for (ArtifactKey k : keys) {
            try {
                Path manifest = artifacts.resolve(k.hex()).resolve(MANIFEST);
                if (Files.exists(manifest)) Files.setLastModifiedTime(manifest, FileTime.fromMillis(System.currentTimeMillis()));
            } catch (IOException ignored) {
                // the order on disk is a hint for the next start; the lease itself holds
            }
        }
        return budget.lease(BUDGET_NAME, keys.stream().map(ArtifactKey::hex).collect(Collectors.toSet()));
    }

    /** Where an object is assembled while it is fetched. */
    public Path objectData(ObjectVersion o) {
        return objects.resolve(objectId(o) + ".data");
    }

    /** One byte per chunk of {@code chunkBytes}, 1 once the chunk is in the data file. */
    public Path objectMarks(ObjectVersion o, long chunkBytes) {
        return objects.resolve(objectId(o) + "." + chunkBytes + ".chunks");
    }

    /** Where an object lies once its bytes are verified, until an artifact takes it. */
    public Path verifiedObject(ObjectVersion o) {
        return objects.resolve(objectId(o) + ".verified");
    }

    /** Bucket, key and ETag: a new version of the object never resumes from an old one's bytes. */
    private static String objectId(ObjectVersion o) {
        return Hashes.sha256Hex(o.bucket() + "/" + o.key() + "@" + o.eTag());
    }

    /**
     * Builds the artifact of {@code source} from its verified objects and publishes it whole: a packed model is
     * unpacked (writes paced by {@code disk}), files are linked in at their relative paths. The verified objects are
     * removed once the artifact holds them.
     */
    public Artifact publish(ArtifactSource source, Throughput disk) {
        ArtifactKey key = source.key();
        Optional<Artifact> existing = get(key);
        if (existing.isPresent()) return existing.get();
        String doing = "assembling the artifact of " + source.uri() + " (" + key.shortHex() + ")";
        Path stage = staging.resolve(key.hex() + "-" + System.nanoTime());
        Path model = stage.resolve("model");
        try {
            Files.createDirectories(model);
            if (source.isArchive()) {
                TarExtraction.extract(verifiedObject(source.objects().get(0)), model, TarExtraction.Rules.MODEL, disk);
            } else {
                for (ObjectVersion o : source.objects()) {
                    Path target = model.resolve(source.relativePath(o));
                    Files.createDirectories(target.getParent());
                    link(verifiedObject(o), target);
                }
            }
            long bytes = bytesOf(model);
            Instant completedAt = Instant.now();
            Files.writeString(stage.resolve(MANIFEST), Json.write(new Manifest(key.hex(), source.uri().toString(),
                    source.objects(), bytes, completedAt.toEpochMilli())));
            Path dir = artifacts.resolve(key.hex());
            try {
                Files.move(stage, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                FileTrees.delete(stage);
                return get(key).orElseThrow(() -> new ArtifactException(ArtifactException.Code.LOCAL_IO,
                        doing + ": " + dir + " exists but is not a complete artifact"));
            }
            Artifact a = new Artifact(key, source.uri(), dir.resolve("model"), bytes, completedAt, source.objects());
            register(a, completedAt.toEpochMilli());
            syncs.execute(() -> syncTree(dir));
            if (source.isArchive()) {
                keepPacked(source.objects().get(0));
            } else {
                for (ObjectVersion o : source.objects()) Files.deleteIfExists(verifiedObject(o));
            }
            return a;
        } catch (IOException e) {
            try {
                FileTrees.delete(stage);
                if (e instanceof TarExtraction.RefusedEntry) { // the object is verified but unsafe: no use keeping it
                    for (ObjectVersion o : source.objects()) Files.deleteIfExists(verifiedObject(o));
                }
            } catch (IOException ignored) {
                // staging leftovers are removed at the next open
            }
            ArtifactException.Code code = e instanceof TarExtraction.RefusedEntry ? ArtifactException.Code.INVALID
                    : ArtifactException.Code.LOCAL_IO;
            throw new ArtifactException(code, doing + ": " + e.getMessage(), e);
        }
    }

    /** Keeps a packed model as fetched, for peers, while the budget has room; it is deleted if that fails. */
    private void keepPacked(ObjectVersion packed) throws IOException {
        Path verified = verifiedObject(packed);
        Path kept = objects.resolve(objectId(packed) + KEPT);
        try {
            FileTrees.move(verified, kept);
            keep(kept, packed.size());
        } catch (IOException e) {
            Files.deleteIfExists(verified);
        }
    }

    /** Counts a kept packed model as used long ago: evicted before anything a copy used. */
    private void keep(Path kept, long bytes) {
        String name = kept.getFileName().toString();
        budget.add(PACKED_BUDGET_NAME, name.substring(0, name.length() - KEPT.length()), bytes, 0,
                () -> Files.deleteIfExists(kept));
    }

    /**
     * A file holding exactly the bytes of one object version as S3 stores it, if the store has one: a packed model
     * kept after unpacking, a verified object not yet assembled, or an object of a complete artifact kept file by
     * file (which a copy may read but never writes). Does not count as a use.
     */
    public Optional<Path> heldObject(String bucket, String key, String eTag) {
        ObjectVersion wanted = new ObjectVersion(bucket, key, 0, eTag);
        String id = objectId(wanted);
        for (Path p : List.of(objects.resolve(id + KEPT), objects.resolve(id + ".verified"))) {
            if (Files.isRegularFile(p)) return Optional.of(p);
        }
        for (Artifact a : complete.values()) {
            for (ObjectVersion o : a.objects()) {
                if (!o.bucket().equals(bucket) || !o.key().equals(key) || !o.eTag().equals(wanted.eTag())) continue;
                ArtifactSource source = new ArtifactSource(a.uri(), a.objects());
                if (source.isArchive()) continue;
                Path file = a.directory().resolve(source.relativePath(o));
                if (Files.isRegularFile(file)) return Optional.of(file);
            }
        }
        return Optional.empty();
    }

    /** The complete artifact with this key, without marking it used (for reports of what the instance holds). */
    public Optional<Artifact> held(ArtifactKey key) {
        Artifact a = complete.get(key);
        return a != null && Files.isDirectory(a.directory()) ? Optional.of(a) : Optional.empty();
    }

    /** A hard link keeps the verified object until the artifact is published; a copy where links cannot be made. */
    private static void link(Path verified, Path target) throws IOException {
        try {
            Files.createLink(target, verified);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(verified, target);
        }
    }

    private static long bytesOf(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Forces a published artifact's files to disk in the background: it is usable at once (its bytes are in the
     * page cache), and a fetch does not wait for gigabytes of writeback, as for blobs. Files are opened for reading,
     * which is enough to force them and works for the read-only files an archive unpacks; one file that fails does not
     * stop the others.
     */
    private static void syncTree(Path dir) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException | UncheckedIOException e) {
            if (Files.exists(dir)) warnNotSynced(dir, e);
            return; // else evicted meanwhile: nothing left to sync
        }
        for (Path p : files) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ch.force(false);
            } catch (NoSuchFileException evicted) {
                // the artifact was evicted meanwhile
            } catch (IOException e) {
                warnNotSynced(p, e);
            }
        }
    }

    /** The file stays usable from the page cache; only a crash before the next writeback would lose it. */
    private static void warnNotSynced(Path p, Exception e) {
        log.atWarn().addKeyValue("path", p).setCause(e).log("Cannot force an artifact's file to disk");
    }

    @Override
    public void close() {
        syncs.shutdown();
        try {
            syncs.awaitTermination(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
