package dev.kindling.agent.image;

import dev.kindling.agent.cache.TierReport;
import dev.kindling.agent.cache.TieredFetch;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.internal.Json;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Progress;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.agent.store.DiskBudget;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The images on one instance. Prepares an image for a copy: resolves its manifest, pins its blobs for as long as
 * the copy runs, and pulls it through the cache tiers into a root filesystem, once per image however many copies
 * ask at the same time. An image already unpacked here starts a copy without fetching a byte. Manifests are kept
 * on disk by reference, so a registry that cannot be reached does not stop a copy whose image is already here.
 *
 * <p>Layout under {@code root}: {@code refs/<sha256 of the reference>} holds the manifest digest a reference last
 * resolved to; {@code <manifest hex>/manifest.json} the manifest; {@code <manifest hex>/rootfs} the unpacked image,
 * complete once {@code <manifest hex>/unpacked} exists (it is assembled in {@code rootfs.partial} and renamed).
 *
 * <p>Unpacked trees count against the instance's disk budget with its blobs and models: a tree no copy uses is
 * evicted like them (moved aside at once, deleted in the background), keeping its manifest.
 *
 * <p>An image not unpacked here but unpacked on a volume mounted here ({@link MountedImages}: the endpoint's cache
 * volume) is used where it lies, once its tree checks out: nothing written, nothing counted against the budget. If
 * the registry cannot say what a reference names, the manifest such a volume lists for it stands in.
 */
public final class InstanceImages implements AutoCloseable {

    private final Path root;
    private final BlobStore store;
    private final Registries registries;
    private final ImagePuller puller;
    private final Retry manifestRetry;
    private final CircuitBreaker manifestBreaker;
    private final Map<Digest, Pull> pulling = new ConcurrentHashMap<>();
    private final Set<Thread> pullThreads = ConcurrentHashMap.newKeySet();
    private final DiskBudget budget;
    private final MountedImages mounted;

    /** The name of unpacked trees in the disk budget. */
    public static final String BUDGET_NAME = "image";

    public InstanceImages(Path root, BlobStore store, Registries registries, ImagePuller puller) {
        this(root, store, registries, puller, MountedImages.NONE);
    }

    /** Images that may also be used in place from {@code mounted}. */
    public InstanceImages(Path root, BlobStore store, Registries registries, ImagePuller puller, MountedImages mounted) {
        this.mounted = mounted;
        this.root = root;
        this.store = store;
        this.registries = registries;
        this.puller = puller;
        this.manifestRetry = Retry.of("manifest", RetryConfig.custom()
                .maxAttempts(3)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(200), 2.0, 0.5))
                .retryOnException(e -> e instanceof RegistryException r && r.retryable())
                .build());
        // A registry that keeps failing is not asked again for a while: starts fall back to kept manifests at once.
        this.manifestBreaker = CircuitBreaker.of("manifest", CircuitBreakerConfig.custom()
                .slidingWindowSize(10).minimumNumberOfCalls(5).failureRateThreshold(80)
                .waitDurationInOpenState(Duration.ofSeconds(10))
                .recordException(e -> e instanceof RegistryException r && r.retryable())
                .build());
        this.budget = store.budget();
        try {
            Files.createDirectories(root.resolve("refs"));
            registerUnpackedTrees();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the image directory " + root, e);
        }
    }

    /** Counts the trees unpacked before a restart; removes what an eviction had not finished deleting. */
    private void registerUnpackedTrees() throws IOException {
        FileTrees.deleteAside(root);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                if (Files.isRegularFile(dir.resolve("unpacked"))) {
                    long bytes = unpackedBytes(dir);
                    budget.add(BUDGET_NAME, dir.getFileName().toString(), bytes,
                            Files.getLastModifiedTime(dir.resolve("unpacked")).toMillis(), () -> evict(dir));
                }
            }
        }
    }

    /** Moves an unpacked tree aside (quick, under the budget's lock) and deletes it in the background. */
    private void evict(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve("unpacked"));
        Path rootfs = dir.resolve("rootfs");
        // A tree whose files could not all be deleted is left for the next start of the agent, which deletes it.
        if (Files.exists(rootfs, LinkOption.NOFOLLOW_LINKS)) FileTrees.moveAside(rootfs, root);
    }

    private static long unpackedBytes(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("unpacked"));
            if (lines.size() > 1) return Long.parseLong(lines.get(1).trim());
        } catch (IOException | NumberFormatException e) {
            // an older or damaged marker: count the tree instead
        }
        try (Stream<Path> walk = Files.walk(dir.resolve("rootfs"))) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /**
     * An image ready for a copy: its unpacked root filesystem, where its blobs came from, and the lease that keeps
     * them from eviction until the copy closes it.
     *
     * @param fallbacks what went wrong on the way without failing the start (a corrupt cache copy, an unreachable
     *                  registry answered from the manifest kept here)
     * @param sources the tier that served each blob
     * @param faults what cache tiers found wrong with themselves while serving this pull
     */
    public record PreparedImage(ImageReference reference, Manifest manifest, Path rootfs, Map<String, TierReport.TierStats> tiers,
                                List<String> fallbacks, List<BlobSource> sources, List<CacheFault> faults,
                                BlobStore.Lease blobs, DiskBudget.Lease tree) implements AutoCloseable {
        @Override
        public void close() {
            blobs.close();
            tree.close();
        }
    }

    /** What one pull of an image did, shared by every copy that waited for it. */
    private record Pulled(Map<String, TierReport.TierStats> tiers, List<String> fallbacks, List<BlobSource> sources,
                          List<CacheFault> faults) {}

    /** A pull under way: its outcome, the bytes ready so far, and the copies that follow its progress. */
    private static final class Pull {
        final CompletableFuture<Pulled> done = new CompletableFuture<>();
        private final List<Progress> followers = new ArrayList<>();
        private long ready;

        synchronized void follow(Progress p) {
            followers.add(p);
            if (ready > 0) p.moved(ready);
        }

        synchronized void unfollow(Progress p) {
            followers.remove(p);
        }

        synchronized void moved(long bytes) {
            ready += bytes;
            followers.forEach(f -> f.moved(bytes));
        }
    }

    /**
     * Prepares {@code image} (as a copy names it). Throws IllegalArgumentException for a malformed reference and
     * RegistryException, naming the image and what failed, when no tier can provide it. Interruptible: the caller
     * stops waiting, while a pull other copies share goes on.
     */
    public PreparedImage prepare(String image) throws InterruptedException {
        return prepare(image, Progress.NONE);
    }

    /** Prepares as above; {@code progress} hears of the image's size once the manifest is known, then of its bytes. */
    public PreparedImage prepare(String image, Progress progress) throws InterruptedException {
        ImageReference ref = registries.reference(image);
        List<String> fallbacks = new ArrayList<>();
        Manifest manifest = resolveOrMounted(image, ref, fallbacks);
        progress.total(manifest.totalBytes());
        Set<Digest> blobs = manifest.blobs().stream().map(Descriptor::digest).collect(Collectors.toSet());
        // Pinned before looking: an unpacked tree seen here cannot be evicted before the copy uses it.
        BlobStore.Lease lease = store.lease(blobs);
        DiskBudget.Lease tree = budget.lease(BUDGET_NAME, Set.of(manifest.digest().hex()));
        try {
            List<CacheFault> faults = new ArrayList<>();
            if (!unpacked(manifest)) {
                switch (mounted.find(manifest)) {
                    case MountedImages.Lookup.Found found -> {
                        // Used where it lies: nothing of it on this instance's disk to pin.
                        lease.close();
                        tree.close();
                        return inPlace(ref, manifest, found, fallbacks);
                    }
                    case MountedImages.Lookup.NotThere notThere -> {
                        faults.addAll(notThere.faults());
                        fallbacks.addAll(notThere.fallbacks());
                    }
                }
            }
            Pulled pulled = unpacked(manifest) ? alreadyHere(manifest) : awaitPull(ref, manifest, progress);
            fallbacks.addAll(pulled.fallbacks());
            faults.addAll(pulled.faults());
            return new PreparedImage(ref, manifest, rootfs(manifest), pulled.tiers(), List.copyOf(fallbacks),
                    pulled.sources(), List.copyOf(faults), lease, tree);
        } catch (RuntimeException | InterruptedException e) {
            lease.close();
            tree.close();
            throw e;
        }
    }

    /** The manifest from the registry (or kept here); if neither can say, the one a mounted volume lists. */
    private Manifest resolveOrMounted(String image, ImageReference ref, List<String> fallbacks) {
        try {
            return resolve(ref, fallbacks);
        } catch (RegistryException e) {
            if (!e.retryable()) throw e;
            Optional<Manifest> listed = mounted.manifest(image).or(() -> mounted.manifest(ref.toString()));
            if (listed.isEmpty()) throw e;
            fallbacks.add("image " + ref + ": the registry could not be reached (" + e.getMessage()
                    + "); using the manifest " + listed.get().digest() + " the endpoint cache volume lists for it");
            return listed.get();
        }
    }

    /** An image used in place: every blob counts as served by the volume's tier, in the time its tree took to check. */
    private PreparedImage inPlace(ImageReference ref, Manifest manifest, MountedImages.Lookup.Found found,
                                  List<String> fallbacks) {
        Map<String, TierReport.TierStats> tiers = new LinkedHashMap<>();
        tiers.put(found.tier(), new TierReport.TierStats(manifest.blobs().size(), manifest.totalBytes()));
        double seconds = found.verifyNanos() / 1e9;
        List<BlobSource> sources = manifest.blobs().stream()
                .map(b -> new BlobSource(CopyStartup.IMAGE, b.digest().toString(), b.size(), found.tier(), seconds)).toList();
        return new PreparedImage(ref, manifest, found.rootfs(), tiers, List.copyOf(fallbacks), sources, List.of(),
                store.lease(Set.of()), budget.lease(BUDGET_NAME, Set.of()));
    }

    private Manifest resolve(ImageReference ref, List<String> fallbacks) {
        if (ref.digest() != null) {
            Optional<Manifest> kept = keptManifest(ref.digest());
            if (kept.isPresent()) return kept.get();
        }
        ImageReference routed = registries.route(ref);
        RegistryClient client = registries.client(routed);
        try {
            Manifest m = Retry.decorateSupplier(manifestRetry,
                    CircuitBreaker.decorateSupplier(manifestBreaker, () -> client.pullManifest(routed))).get();
            keep(ref, m);
            return m;
        } catch (CallNotPermittedException open) {
            RegistryException e = new RegistryException("the registry " + routed.registry()
                    + " keeps failing, circuit open", 0, open);
            return keptOrThrow(ref, e, fallbacks);
        } catch (RegistryException e) {
            return keptOrThrow(ref, e, fallbacks);
        }
    }

    /** A registry failure is answered from the manifest this instance resolved the reference to before, if any. */
    private Manifest keptOrThrow(ImageReference ref, RegistryException e, List<String> fallbacks) {
        Optional<Manifest> kept = keptDigest(ref).flatMap(this::keptManifest);
        if (kept.isEmpty() || !e.retryable()) {
            throw new RegistryException("image " + ref + ": " + e.getMessage(), e.status(), e);
        }
        fallbacks.add("image " + ref + ": the registry could not be reached (" + e.getMessage()
                + "); using the manifest " + kept.get().digest() + " this instance resolved it to before");
        return kept.get();
    }

    private Pulled awaitPull(ImageReference ref, Manifest manifest, Progress progress) throws InterruptedException {
        Pull mine = new Pull();
        Pull running = pulling.putIfAbsent(manifest.digest(), mine);
        if (running == null) {
            running = mine;
            Thread t = Thread.ofVirtual().name("image-pull-" + manifest.digest().hex().substring(0, 12)).unstarted(() -> {
                try {
                    mine.done.complete(pull(ref, manifest, mine));
                } catch (Throwable e) {
                    mine.done.completeExceptionally(e);
                } finally {
                    pulling.remove(manifest.digest(), mine);
                    pullThreads.remove(Thread.currentThread());
                }
            });
            pullThreads.add(t);
            t.start();
        }
        running.follow(progress);
        try {
            Pulled pulled = running.done.get();
            // A copy that joined another's pull fetched nothing itself: the bytes crossed the network once, and
            // reached it through the instance's store, so it reports that tier (as a model fetch it waited for does).
            if (running == mine) return pulled;
            Pulled here = alreadyHere(manifest);
            return new Pulled(here.tiers(), pulled.fallbacks(), here.sources(), pulled.faults());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RegistryException r) {
                throw new RegistryException(r.getMessage().startsWith("image ") ? r.getMessage()
                        : "image " + ref + ": " + r.getMessage(), r.status(), r);
            }
            throw new RegistryException("image " + ref + ": " + e.getCause(), 0, e.getCause());
        } finally {
            running.unfollow(progress);
        }
    }

    private Pulled pull(ImageReference ref, Manifest manifest, Pull progress) throws IOException {
        // A pull that finished just before this one was asked for: its tree may be in use, so leave it be. (Pulls of
        // one image never overlap, so nothing can finish between this check and the work below.)
        if (unpacked(manifest)) return alreadyHere(manifest);
        Path dir = root.resolve(manifest.digest().hex());
        Path partial = dir.resolve("rootfs.partial");
        FileTrees.delete(partial); // what a crashed pull left: the blobs it fetched are in the store, the tree is redone
        FileTrees.delete(dir.resolve("rootfs"));
        Files.createDirectories(partial);
        ImageReference routed = registries.route(ref);
        // Room for the tree as well as the blobs; its size is known once unpacked (at least the layers' for tars).
        long layerBytes = manifest.layers().stream().mapToLong(Descriptor::size).sum();
        ImagePuller.Result r;
        try (DiskBudget.Reservation room = budget.reserve(layerBytes)) {
            r = puller.pull(registries.client(routed), routed, manifest, store, partial, progress::moved);
            FileTrees.move(partial, dir.resolve("rootfs"));
            Files.writeString(dir.resolve("unpacked"), ref + "\n" + r.layerBytesWritten() + "\n");
            budget.add(BUDGET_NAME, manifest.digest().hex(), r.layerBytesWritten(), () -> evict(dir));
        }
        budget.makeRoom(0); // a tree larger than its reservation may have passed the budget: evict what it displaced
        return new Pulled(r.tiers().tiers(), r.tiers().fallbacks(), r.tiers().blobs(), r.tiers().faults());
    }

    /** An image unpacked before: every blob counts as a hit of the instance's own tier. */
    private static Pulled alreadyHere(Manifest manifest) {
        Map<String, TierReport.TierStats> tiers = new LinkedHashMap<>();
        tiers.put(TieredFetch.LOCAL, new TierReport.TierStats(manifest.blobs().size(), manifest.totalBytes()));
        List<BlobSource> sources = manifest.blobs().stream()
                .map(b -> new BlobSource(CopyStartup.IMAGE, b.digest().toString(), b.size(), TieredFetch.LOCAL, 0)).toList();
        return new Pulled(tiers, List.of(), sources, List.of());
    }

    /** Whether the image of this manifest is unpacked here, so a copy of it starts without fetching a byte. */
    public boolean isUnpacked(Digest manifestDigest) {
        return Files.isRegularFile(root.resolve(manifestDigest.hex()).resolve("unpacked"));
    }

    /** Whether the image of this manifest is used in place from a volume mounted here, its tree found intact. */
    public boolean isMounted(Digest manifestDigest) {
        return mounted.holds(manifestDigest);
    }

    /** A count that changes whenever what {@link #isMounted} answers may have changed. */
    public long mountedChanges() {
        return mounted.changes();
    }

    private boolean unpacked(Manifest m) {
        return Files.isRegularFile(root.resolve(m.digest().hex()).resolve("unpacked"));
    }

    private Path rootfs(Manifest m) {
        return root.resolve(m.digest().hex()).resolve("rootfs");
    }

    private void keep(ImageReference ref, Manifest m) {
        try {
            Path dir = Files.createDirectories(root.resolve(m.digest().hex()));
            FileTrees.writeAtomically(dir.resolve("manifest.json"), Json.write(m));
            FileTrees.writeAtomically(refFile(ref), m.digest().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the manifest of " + ref + " under " + root, e);
        }
    }

    private Optional<Digest> keptDigest(ImageReference ref) {
        try {
            Path f = refFile(ref);
            return Files.isRegularFile(f) ? Optional.of(Digest.parse(Files.readString(f).trim())) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty(); // an unreadable record is as good as none: the registry answers instead
        }
    }

    private Optional<Manifest> keptManifest(Digest digest) {
        Path f = root.resolve(digest.hex()).resolve("manifest.json");
        try {
            return Files.isRegularFile(f) ? Optional.of(Json.read(Files.readString(f), Manifest.class)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private Path refFile(ImageReference ref) {
        return root.resolve("refs").resolve(Hashes.sha256Hex(ref.toString()));
    }

    /** Stops the pulls under way (the instance is going away); their copies fail, their partial files stay. */
    @Override
    public void close() {
        pullThreads.forEach(Thread::interrupt);
    }
}
