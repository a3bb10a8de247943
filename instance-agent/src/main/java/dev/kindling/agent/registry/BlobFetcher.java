package dev.kindling.agent.registry;

import dev.kindling.agent.fetch.ChunkedDownload;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.agent.store.DiskBudget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Fetches an image's blobs into a {@link BlobStore} as ranged GETs of a fixed chunk size, through a
 * {@link ChunkedDownload}: all chunks of all missing blobs go into one queue that a pool of workers drains, so a
 * single giant layer never serializes the pull. Each blob is hashed in order as its leading chunks complete,
 * verified against its digest, and published the moment its last chunk lands, so unpacking can start while other
 * blobs still download. An interrupted fetch resumes with the chunks it has.
 *
 * <p>A published blob is usable at once (its verified bytes are in the page cache); forcing it to disk happens
 * on a background thread, so the fetch does not wait for gigabytes of writeback. {@link #close()} waits for those
 * syncs, and {@link #awaitDurable()} does so on demand.
 */
public final class BlobFetcher implements AutoCloseable {

    private final FetchSettings settings;
    private final ExecutorService syncs = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("blob-sync").factory());
    private final ChunkedDownload download;
    /** Blobs a fetch of this fetcher is downloading, so another fetch needing one waits for it instead. */
    private final Map<Digest, CompletableFuture<Void>> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    /** The first blob that could not be forced to disk, reported by {@link #awaitDurable()}. */
    private final java.util.concurrent.atomic.AtomicReference<UncheckedIOException> syncFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** A fetcher with no network or disk limit. */
    public BlobFetcher(FetchSettings settings) {
        this(settings, InstanceThroughput.UNLIMITED);
    }

    /** A fetcher whose reads are paced by the instance's network limit and writes by its disk limit. */
    public BlobFetcher(FetchSettings settings, InstanceThroughput throughput) {
        this.settings = settings;
        CircuitBreaker breaker = CircuitBreaker.of("registry", CircuitBreakerConfig.custom()
                .slidingWindowSize(20).minimumNumberOfCalls(10).failureRateThreshold(80)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .recordException(e -> !(e instanceof RegistryException r) || r.retryable())
                .build());
        Retry retry = Retry.of("chunk", RetryConfig.custom()
                .maxAttempts(settings.chunkAttempts())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(100), 2.0, 0.5))
                .retryOnException(e -> (e instanceof RegistryException r && r.retryable()) || e instanceof UncheckedIOException)
                .build());
        this.download = new ChunkedDownload("the registry", settings.chunkBytes(), settings.parallelism(),
                settings.chunkTimeout(), retry, breaker, RegistryException.class, throughput.network(),
                throughput.disk(), "blob-fetch");
    }

    /** What a fetch tells its caller as it goes. */
    public interface Listener {

        /** The blob is verified and in the store, or was there already (runs on a hashing thread). */
        void ready(Descriptor blob);

        /** {@code bytes} more landed from the registry. */
        default void landed(long bytes) { }

        /**
         * The first {@code bytes} of a blob being fetched are in order in its partial file
         * ({@link BlobStore#partialData}): enough to start reading it, not yet to trust it.
         */
        default void prefix(Descriptor blob, long bytes) { }
    }

    /**
     * Fetches every blob not yet in the store, telling {@code listener} of each: ready (on a hashing thread) as it is
     * verified and published, and for blobs already present. Throws a RegistryException naming the blob and the
     * cause when a blob cannot be fetched or does not match its digest.
     */
    public FetchReport fetch(RegistryClient client, String repository, List<Descriptor> blobs, BlobStore store,
                             Listener listener) {
        long started = System.nanoTime();
        Map<Digest, Descriptor> distinct = new LinkedHashMap<>();
        blobs.forEach(b -> distinct.putIfAbsent(b.digest(), b));
        long missing = distinct.values().stream().filter(d -> !store.contains(d.digest())).mapToLong(d -> Math.max(0, d.size())).sum();
        DiskBudget.Reservation room;
        try {
            room = store.reserve(missing);
        } catch (IOException e) {
            throw new RegistryException("pulling " + distinct.size() + " blobs of " + client.registry() + "/" + repository
                    + ": " + e.getMessage(), 0, e);
        }
        // Held until every blob is published and counted, so a concurrent fetch cannot be promised the same space.
        try (room) {
            int present = 0;
            List<BlobTarget> targets = new ArrayList<>();
            Map<Digest, CompletableFuture<Void>> owned = new LinkedHashMap<>();
            Map<Descriptor, CompletableFuture<Void>> others = new LinkedHashMap<>();
            for (Descriptor d : distinct.values()) {
                if (store.contains(d.digest())) {
                    present++;
                    listener.ready(d);
                    continue;
                }
                if (d.size() < 0) {
                    throw new RegistryException("blob " + d.digest() + " has no size in its manifest", 0);
                }
                // Two images sharing a layer, pulled at once: one fetch downloads it, the other waits for it, since
                // both would write the same partial file.
                CompletableFuture<Void> mine = new CompletableFuture<>();
                CompletableFuture<Void> running = inFlight.putIfAbsent(d.digest(), mine);
                if (running != null) {
                    others.put(d, running);
                    continue;
                }
                owned.put(d.digest(), mine);
                targets.add(new BlobTarget(client, repository, d, store, listener));
            }
            ChunkedDownload.Result r;
            try {
                r = download.run(targets, listener::landed);
            } finally {
                owned.forEach((digest, f) -> {
                    inFlight.remove(digest, f);
                    f.complete(null); // waiters check the store: a blob that failed here is theirs to fetch
                });
            }
            int fetchedElsewhere = 0;
            List<Descriptor> left = new ArrayList<>();
            for (Map.Entry<Descriptor, CompletableFuture<Void>> e : others.entrySet()) {
                awaitOther(e.getValue(), e.getKey());
                if (store.contains(e.getKey().digest())) {
                    fetchedElsewhere++;
                    listener.ready(e.getKey());
                } else {
                    left.add(e.getKey());
                }
            }
            if (!left.isEmpty()) {
                FetchReport rest = fetch(client, repository, left, store, listener);
                return new FetchReport(present + fetchedElsewhere, targets.size() + rest.blobsFetched(),
                        r.bytesFetched() + rest.bytesFetched(), r.bytesResumed() + rest.bytesResumed(),
                        r.retries() + rest.chunkRetries(), Duration.ofNanos(System.nanoTime() - started));
            }
            present += fetchedElsewhere;
            return new FetchReport(present, targets.size(), r.bytesFetched(), r.bytesResumed(), r.retries(),
                    Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static void awaitOther(CompletableFuture<Void> other, Descriptor blob) {
        try {
            other.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while waiting for blob " + blob.digest() + ", which another pull fetches", 0, e);
        } catch (java.util.concurrent.ExecutionException e) {
            // never completed exceptionally; the store says whether the blob arrived
        }
    }

    /** Waits until every blob published so far is on disk; throws if one could not be written there. */
    public void awaitDurable() {
        try {
            syncs.submit(() -> { }).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("syncing blobs to disk failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while syncing blobs to disk", e);
        }
        UncheckedIOException failed = syncFailure.get();
        if (failed != null) throw failed;
    }

    /** Finishes the background syncs of published blobs. */
    @Override
    public void close() {
        download.close();
        syncs.shutdown();
        try {
            syncs.awaitTermination(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One blob: read from the registry, hashed with SHA-256, published into the store if it matches. */
    private final class BlobTarget implements ChunkedDownload.Target {
        private final RegistryClient client;
        private final String repository;
        private final Descriptor descriptor;
        private final BlobStore store;
        private final Listener listener;
        private final MessageDigest sha256;
        private long digested;

        BlobTarget(RegistryClient client, String repository, Descriptor descriptor, BlobStore store, Listener listener) {
            this.client = client;
            this.repository = repository;
            this.descriptor = descriptor;
            this.store = store;
            this.listener = listener;
            this.sha256 = Hashes.sha256();
        }

        @Override
        public long size() {
            return descriptor.size();
        }

        @Override
        public Path dataFile() {
            return store.partialData(descriptor.digest());
        }

        @Override
        public Path marksFile() {
            return store.partialChunks(descriptor.digest(), settings.chunkBytes());
        }

        @Override
        public InputStream open(long offset, long length, Duration timeout) {
            return client.openBlobRange(repository, descriptor.digest(), offset, length, descriptor.size(), timeout);
        }

        @Override
        public void digest(ByteBuffer bytes) {
            digested += bytes.remaining();
            sha256.update(bytes);
            listener.prefix(descriptor, digested);
        }

        @Override
        public void complete() throws IOException {
            Digest actual = Digest.of(sha256.digest());
            if (!actual.equals(descriptor.digest())) {
                throw new RegistryException("blob " + descriptor.digest() + " does not match its digest: the "
                        + descriptor.size() + " bytes received hash to " + actual, 0);
            }
            store.publish(descriptor.digest(), dataFile());
            Path blobFile = store.path(descriptor.digest());
            syncs.execute(() -> {
                try (FileChannel ch = FileChannel.open(blobFile, StandardOpenOption.WRITE)) {
                    ch.force(false);
                } catch (IOException e) {
                    syncFailure.compareAndSet(null, new UncheckedIOException("cannot sync blob " + descriptor.digest()
                            + " to disk: " + e.getMessage(), e));
                }
            });
            listener.ready(descriptor);
        }

        @Override
        public RuntimeException failure(String detail, Throwable cause) {
            return new RegistryException("pulling blob " + descriptor.digest() + " of " + client.registry() + "/"
                    + repository + detail, 0, cause);
        }
    }
}
