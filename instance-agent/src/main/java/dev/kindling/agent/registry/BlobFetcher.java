package dev.kindling.agent.registry;

import dev.kindling.agent.store.BlobStore;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Fetches an image's blobs into a {@link BlobStore} as ranged GETs of a fixed chunk size. All chunks of all
 * missing blobs go into one queue that a pool of workers drains, so a worker done with a small layer takes the
 * next chunk of the big one: a single giant layer never serializes the pull. Each blob is hashed in order as its
 * leading chunks complete (re-read from the page cache), verified against its digest, and published the moment
 * its last chunk lands, so unpacking can start while other blobs still download. Completed chunks are recorded
 * beside the partial file: a fetch that was interrupted resumes with the chunks it has.
 *
 * <p>A published blob is usable at once (its verified bytes are in the page cache); forcing it to disk happens
 * on a background thread, so the fetch does not wait for gigabytes of writeback. {@link #close()} waits for those
 * syncs, and {@link #awaitDurable()} does so on demand.
 */
public final class BlobFetcher implements AutoCloseable {

    private final FetchSettings settings;
    private final ExecutorService syncs = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("blob-sync").factory());
    /** Hashing runs here, one task per blob at a time, so download workers never wait for it. */
    private final ExecutorService hashers = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("blob-hash-", 0).factory());
    private final CircuitBreaker breaker;
    private final Retry retry;

    public BlobFetcher(FetchSettings settings) {
        this.settings = settings;
        this.breaker = CircuitBreaker.of("registry", CircuitBreakerConfig.custom()
                .slidingWindowSize(20).minimumNumberOfCalls(10).failureRateThreshold(80)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .recordException(e -> !(e instanceof RegistryException r) || r.retryable())
                .build());
        this.retry = Retry.of("chunk", RetryConfig.custom()
                .maxAttempts(settings.chunkAttempts())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(100), 2.0, 0.5))
                .retryOnException(e -> (e instanceof RegistryException r && r.retryable()) || e instanceof UncheckedIOException)
                .build());
    }

    /**
     * Fetches every blob not yet in the store. {@code onBlobReady} runs (on a worker) as each blob is verified
     * and published, and for blobs already present. Throws a RegistryException naming the blob and the cause
     * when a blob cannot be fetched or does not match its digest.
     */
    public FetchReport fetch(RegistryClient client, String repository, List<Descriptor> blobs, BlobStore store,
                             Consumer<Descriptor> onBlobReady) {
        long started = System.nanoTime();
        Map<Digest, Descriptor> distinct = new LinkedHashMap<>();
        blobs.forEach(b -> distinct.putIfAbsent(b.digest(), b));
        List<BlobJob> jobs = new ArrayList<>();
        ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>();
        int present = 0;
        long resumed = 0;
        try {
            long missing = distinct.values().stream().filter(d -> !store.contains(d.digest())).mapToLong(Descriptor::size).sum();
            try {
                store.makeRoom(missing);
            } catch (IOException e) {
                throw new RegistryException("pulling " + distinct.size() + " blobs of " + client.registry() + "/" + repository
                        + ": " + e.getMessage(), 0, e);
            }
            for (Descriptor d : distinct.values()) {
                if (store.contains(d.digest())) {
                    present++;
                    onBlobReady.accept(d);
                    continue;
                }
                BlobJob job = BlobJob.open(d, store, settings.chunkBytes(), onBlobReady, syncs, hashers);
                jobs.add(job);
                resumed += job.bytesAlreadyThere();
                job.pendingChunks().forEach(queue::add);
                job.advance(); // hashes what an earlier fetch left, and publishes a blob that only lacked that
            }
            AtomicLong fetched = new AtomicLong();
            AtomicInteger retries = new AtomicInteger();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            int workers = Math.min(settings.parallelism(), Math.max(1, queue.size()));
            try (ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().daemon()
                    .name("blob-fetch-", 0).factory())) {
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < workers; i++) {
                    running.add(pool.submit(() -> drain(client, repository, queue, fetched, retries, failure)));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                failure.compareAndSet(null, new RegistryException("fetch worker failed: " + e.getCause(), 0, e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, new RegistryException("fetch interrupted", 0, e));
            }
            if (failure.get() != null) throw failure.get();
            for (BlobJob job : jobs) {
                job.awaitPublished();
            }
            return new FetchReport(present, jobs.size(), fetched.get(), resumed, retries.get(),
                    Duration.ofNanos(System.nanoTime() - started));
        } finally {
            jobs.forEach(BlobJob::closeQuietly);
        }
    }

    private void drain(RegistryClient client, String repository, ConcurrentLinkedQueue<Chunk> queue, AtomicLong fetched,
                       AtomicInteger retries, AtomicReference<RuntimeException> failure) {
        byte[] buffer = new byte[1 << 20];
        Chunk chunk;
        while (failure.get() == null && (chunk = queue.poll()) != null) {
            Chunk c = chunk;
            AtomicInteger attempt = new AtomicInteger();
            try {
                Retry.decorateRunnable(retry, CircuitBreaker.decorateRunnable(breaker, () -> {
                    if (attempt.getAndIncrement() > 0) retries.incrementAndGet();
                    download(client, repository, c, buffer);
                })).run();
                fetched.addAndGet(c.length);
                c.job.chunkDone(c.index);
            } catch (CallNotPermittedException e) {
                failure.compareAndSet(null, new RegistryException("pulling blob " + c.job.descriptor.digest() + " of "
                        + client.registry() + "/" + repository + ": the registry keeps failing, circuit open", 0, e));
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e instanceof RegistryException ? e : new RegistryException("pulling blob "
                        + c.job.descriptor.digest() + " of " + client.registry() + "/" + repository + ": " + e, 0, e));
            }
        }
    }

    private void download(RegistryClient client, String repository, Chunk c, byte[] buffer) {
        Descriptor d = c.job.descriptor;
        long deadline = System.nanoTime() + settings.chunkTimeout().toNanos();
        try (InputStream in = client.openBlobRange(repository, d.digest(), c.offset, c.length, d.size(),
                settings.chunkTimeout())) {
            long position = c.offset;
            long remaining = c.length;
            while (remaining > 0) {
                if (System.nanoTime() > deadline) {
                    throw new java.net.SocketTimeoutException("no complete answer within " + settings.chunkTimeout().toMillis() + " ms");
                }
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new RegistryException("pulling blob " + d.digest() + " of " + client.registry() + "/" + repository
                            + ": the body ended " + remaining + " bytes early at offset " + position, 0);
                }
                ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                while (bb.hasRemaining()) {
                    position += c.job.data.write(bb, position);
                }
                remaining -= n;
            }
        } catch (IOException e) {
            throw new RegistryException("pulling blob " + d.digest() + " of " + client.registry() + "/" + repository
                    + " (bytes " + c.offset + "+" + c.length + "): " + e.getMessage(), 0, e);
        }
    }

    /** Waits until every blob published so far is on disk. */
    public void awaitDurable() {
        try {
            syncs.submit(() -> { }).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("syncing blobs to disk failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Finishes the background syncs of published blobs. */
    @Override
    public void close() {
        hashers.shutdown();
        syncs.shutdown();
        try {
            syncs.awaitTermination(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Chunk(BlobJob job, int index, long offset, long length) {}

    /** One blob being fetched: its partial file, which chunks it holds, and its in-order hash. */
    private static final class BlobJob {
        final Descriptor descriptor;
        final FileChannel data;
        private final FileChannel chunks;
        private final BlobStore store;
        private final long chunkBytes;
        private final boolean[] done;
        private final MessageDigest sha256;
        private final Consumer<Descriptor> onReady;
        private final ExecutorService syncs;
        private final ExecutorService hashers;
        private final Path dataPath;
        private final java.util.concurrent.CompletableFuture<Void> finished = new java.util.concurrent.CompletableFuture<>();
        private int hashedChunks;
        private boolean hashing;

        private BlobJob(Descriptor descriptor, BlobStore store, long chunkBytes, Consumer<Descriptor> onReady,
                        ExecutorService syncs, ExecutorService hashers) throws IOException {
            this.descriptor = descriptor;
            this.syncs = syncs;
            this.hashers = hashers;
            this.store = store;
            this.chunkBytes = chunkBytes;
            this.onReady = onReady;
            this.dataPath = store.partialData(descriptor.digest());
            int n = (int) Math.max(1, (descriptor.size() + chunkBytes - 1) / chunkBytes);
            this.done = new boolean[n];
            this.data = FileChannel.open(dataPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Path chunksPath = store.partialChunks(descriptor.digest(), chunkBytes);
            this.chunks = FileChannel.open(chunksPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer marks = ByteBuffer.allocate(n);
            chunks.read(marks, 0);
            for (int i = 0; i < n; i++) {
                done[i] = marks.get(i) == 1 && data.size() >= Math.min(descriptor.size(), (long) (i + 1) * chunkBytes);
            }
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        static BlobJob open(Descriptor d, BlobStore store, long chunkBytes, Consumer<Descriptor> onReady,
                            ExecutorService syncs, ExecutorService hashers) {
            if (d.size() < 0) {
                throw new RegistryException("blob " + d.digest() + " has no size in its manifest", 0);
            }
            try {
                return new BlobJob(d, store, chunkBytes, onReady, syncs, hashers);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the partial file of blob " + d.digest(), e);
            }
        }

        long bytesAlreadyThere() {
            long bytes = 0;
            for (int i = 0; i < done.length; i++) {
                if (done[i]) bytes += length(i);
            }
            return bytes;
        }

        List<Chunk> pendingChunks() {
            List<Chunk> out = new ArrayList<>();
            for (int i = 0; i < done.length; i++) {
                if (!done[i] && descriptor.size() > 0) out.add(new Chunk(this, i, (long) i * chunkBytes, length(i)));
            }
            return out;
        }

        private long length(int i) {
            return Math.min(chunkBytes, descriptor.size() - (long) i * chunkBytes);
        }

        void chunkDone(int index) {
            try {
                chunks.write(ByteBuffer.wrap(new byte[] {1}), index);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record a fetched chunk of blob " + descriptor.digest(), e);
            }
            synchronized (this) {
                done[index] = true;
            }
            advance();
        }

        /** Starts hashing on a hasher thread unless one is already at it; it picks up every chunk that lands. */
        void advance() {
            synchronized (this) {
                if (hashing || finished.isDone()) return;
                hashing = true;
            }
            hashers.execute(this::hashReadyChunks);
        }

        /** Hashes the chunks that continue the hashed prefix; verifies and publishes once the blob is whole. */
        private void hashReadyChunks() {
            try {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                while (true) {
                    int next;
                    synchronized (this) {
                        if (hashedChunks == done.length || !(done[hashedChunks] || descriptor.size() == 0)) {
                            hashing = false;
                            if (hashedChunks < done.length) return;
                            break;
                        }
                        next = hashedChunks;
                    }
                    long pos = (long) next * chunkBytes;
                    long end = pos + (descriptor.size() == 0 ? 0 : length(next));
                    while (pos < end) {
                        buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                        int n = data.read(buf, pos);
                        if (n < 0) throw new IOException("partial file shorter than its recorded chunks");
                        sha256.update(buf.flip());
                        pos += n;
                    }
                    synchronized (this) {
                        hashedChunks++;
                    }
                }
                verifyAndPublish();
                finished.complete(null);
            } catch (IOException e) {
                finished.completeExceptionally(new UncheckedIOException("cannot read back blob " + descriptor.digest(), e));
            } catch (RuntimeException e) {
                finished.completeExceptionally(e);
            }
        }

        private void verifyAndPublish() throws IOException {
            Digest actual = Digest.of(sha256.digest());
            if (!actual.equals(descriptor.digest())) {
                closeQuietly();
                store.discardPartial(descriptor.digest(), chunkBytes);
                throw new RegistryException("blob " + descriptor.digest() + " does not match its digest: the "
                        + descriptor.size() + " bytes received hash to " + actual, 0);
            }
            closeQuietly();
            store.publish(descriptor.digest(), dataPath);
            Path blobFile = store.path(descriptor.digest());
            syncs.execute(() -> {
                try (FileChannel ch = FileChannel.open(blobFile, StandardOpenOption.WRITE)) {
                    ch.force(false);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot sync blob " + descriptor.digest() + " to disk", e);
                }
            });
            Files.deleteIfExists(store.partialChunks(descriptor.digest(), chunkBytes));
            onReady.accept(descriptor);
        }

        /** Waits for the hashing of a blob whose chunks are all fetched; rethrows why it was not published. */
        void awaitPublished() {
            try {
                finished.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r
                        : new RegistryException("blob " + descriptor.digest() + ": " + e.getCause(), 0, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("interrupted while verifying blob " + descriptor.digest(), 0, e);
            }
        }

        void closeQuietly() {
            try {
                data.close();
                chunks.close();
            } catch (IOException ignored) {
                // closing after use; nothing to save
            }
        }
    }
}
