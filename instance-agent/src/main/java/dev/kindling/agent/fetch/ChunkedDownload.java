package dev.kindling.agent.fetch;

import dev.kindling.agent.io.Throughput;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Downloads files as ranged reads of a fixed chunk size. All chunks of all files go into one queue that a pool of
 * workers drains, so a worker done with a small file takes the next chunk of the big one: one giant file never
 * serializes the download. Each file is hashed in order as its leading chunks complete (re-read from the page
 * cache) on a hashing thread, so workers never wait for it, and is verified and published by its {@link Target} the
 * moment its last chunk lands. Completed chunks are marked beside the partial file: an interrupted download resumes
 * with the chunks it has, and those bytes are hashed again before anyone trusts them.
 *
 * <p>Each chunk (request and body) runs under the caller's retry and circuit breaker, and must complete within the
 * chunk timeout: a watchdog {@linkplain Target#abort aborts} a read that stalls past it. Reads are paced by the
 * instance's network limit and writes by its disk limit.
 */
public final class ChunkedDownload implements AutoCloseable {

    /** One file assembled from ranged reads. Its methods say what went wrong in the caller's own exception type. */
    public interface Target {

        /** Bytes in the file. */
        long size();

        /** Where the bytes are assembled. */
        Path dataFile();

        /** One byte per chunk, 1 once the chunk's bytes are in the data file; keyed by the chunk size by the caller. */
        Path marksFile();

        /** Opens bytes [offset, offset + length): one attempt, the download retries. */
        InputStream open(long offset, long length, Duration timeout);

        /** Makes a read blocked on {@code in} return; called by the watchdog when a chunk's time is up. */
        default void abort(InputStream in) {}

        /** The file's bytes in order, on a hashing thread. */
        void digest(ByteBuffer bytes);

        /**
         * Every byte is digested and the data file closed: verify, then move the data file to where it is used, or
         * throw (the download then discards the partial bytes, which cannot be trusted).
         */
        void complete() throws IOException;

        /** The exception for a failure while fetching this file; {@code detail} starts with ": " or " (". */
        RuntimeException failure(String detail, Throwable cause);
    }

    /** Bytes read from the network, bytes an earlier download had left, and chunk attempts that were retried. */
    public record Result(long bytesFetched, long bytesResumed, int retries) {}

    private final String remote;
    private final long chunkBytes;
    private final int parallelism;
    private final Duration chunkTimeout;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final Class<? extends RuntimeException> ownFailures;
    private final Throughput network;
    private final Throughput disk;
    private final String threadName;
    private final ExecutorService hashers;
    private final ScheduledExecutorService watchdog;
    private final LongSupplier nanoTime;

    /**
     * @param remote what the bytes come from, for messages ("the registry", "S3")
     * @param ownFailures the caller's exception type: chunk failures of that type pass through as they are
     * @param threadName prefix of the worker and hashing threads' names
     */
    public ChunkedDownload(String remote, long chunkBytes, int parallelism, Duration chunkTimeout, Retry retry,
                           CircuitBreaker breaker, Class<? extends RuntimeException> ownFailures, Throughput network,
                           Throughput disk, String threadName) {
        this(remote, chunkBytes, parallelism, chunkTimeout, retry, breaker, ownFailures, network, disk, threadName,
                Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(threadName + "-watchdog").factory()),
                System::nanoTime);
    }

    /** As above, with the watchdog and the clock it times chunks by given: tests control both. */
    ChunkedDownload(String remote, long chunkBytes, int parallelism, Duration chunkTimeout, Retry retry,
                    CircuitBreaker breaker, Class<? extends RuntimeException> ownFailures, Throughput network,
                    Throughput disk, String threadName, ScheduledExecutorService watchdog, LongSupplier nanoTime) {
        this.remote = remote;
        this.chunkBytes = chunkBytes;
        this.parallelism = parallelism;
        this.chunkTimeout = chunkTimeout;
        this.retry = retry;
        this.breaker = breaker;
        this.ownFailures = ownFailures;
        this.network = network;
        this.disk = disk;
        this.threadName = threadName;
        this.hashers = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name(threadName + "-hash-", 0).factory());
        this.watchdog = watchdog;
        this.nanoTime = nanoTime;
    }

    public long chunkBytes() {
        return chunkBytes;
    }

    /**
     * Downloads every target and returns once all are published; {@code progress} hears of bytes as they land.
     * Throws the first failure (in the caller's exception type); partial files stay for the next attempt unless
     * their bytes did not verify.
     */
    public Result run(List<? extends Target> targets, LongConsumer progress) {
        List<Job> jobs = new ArrayList<>();
        ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>();
        long resumed = 0;
        try {
            for (Target t : targets) {
                Job job = Job.open(t, chunkBytes, hashers);
                jobs.add(job);
                resumed += job.bytesAlreadyThere();
                queue.addAll(job.pendingChunks());
                job.advance(); // hashes what an earlier download left, and publishes a file that only lacked that
            }
            AtomicLong fetched = new AtomicLong();
            AtomicInteger retries = new AtomicInteger();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            int workers = Math.min(parallelism, Math.max(1, queue.size()));
            try (ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().daemon()
                    .name(threadName + "-", 0).factory())) {
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < workers; i++) {
                    running.add(pool.submit(() -> drain(queue, fetched, retries, failure, progress)));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            } catch (ExecutionException e) {
                failure.compareAndSet(null, new IllegalStateException("download worker failed: " + e.getCause(), e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, new IllegalStateException("download interrupted", e));
            }
            if (failure.get() != null) throw failure.get();
            for (Job job : jobs) {
                job.awaitPublished();
            }
            return new Result(fetched.get(), resumed, retries.get());
        } finally {
            jobs.forEach(Job::closeQuietly);
        }
    }

    private void drain(ConcurrentLinkedQueue<Chunk> queue, AtomicLong fetched, AtomicInteger retries,
                       AtomicReference<RuntimeException> failure, LongConsumer progress) {
        byte[] buffer = new byte[1 << 20];
        Chunk chunk;
        while (failure.get() == null && (chunk = queue.poll()) != null) {
            Chunk c = chunk;
            AtomicInteger attempt = new AtomicInteger();
            try {
                Retry.decorateRunnable(retry, CircuitBreaker.decorateRunnable(breaker, () -> {
                    if (attempt.getAndIncrement() > 0) retries.incrementAndGet();
                    download(c, buffer, progress);
                })).run();
                fetched.addAndGet(c.length);
                c.job.chunkDone(c.index);
            } catch (CallNotPermittedException e) {
                failure.compareAndSet(null, c.job.target.failure(": " + remote + " keeps failing, circuit open", e));
            } catch (RuntimeException e) {
                failure.compareAndSet(null, ownFailures.isInstance(e) ? e : c.job.target.failure(": " + e, e));
            }
        }
    }

    private void download(Chunk c, byte[] buffer, LongConsumer progress) {
        Target t = c.job.target;
        long deadline = nanoTime.getAsLong() + chunkTimeout.toNanos();
        ScheduledFuture<?> abort = null;
        // Opened as a resource, so it is closed even if the watchdog cannot take the abort.
        try (InputStream in = t.open(c.offset, c.length, chunkTimeout)) {
            // At the deadline taken before the request: a slow answer to open leaves less time for the body.
            abort = watchdog.schedule(() -> t.abort(in), deadline - nanoTime.getAsLong(), TimeUnit.NANOSECONDS);
            long position = c.offset;
            long remaining = c.length;
            while (remaining > 0) {
                if (nanoTime.getAsLong() > deadline) {
                    throw new SocketTimeoutException("no complete answer within " + chunkTimeout.toMillis() + " ms");
                }
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw t.failure(": the body ended " + remaining + " bytes early at offset " + position, null);
                }
                network.acquire(n);
                disk.acquire(n);
                ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                while (bb.hasRemaining()) {
                    position += c.job.data.write(bb, position);
                }
                remaining -= n;
                progress.accept(n);
            }
        } catch (IOException e) {
            String why = nanoTime.getAsLong() > deadline
                    ? "timed out: no complete answer within " + chunkTimeout.toMillis() + " ms (" + e.getMessage() + ")"
                    : e.getMessage();
            throw t.failure(" (bytes " + c.offset + "+" + c.length + "): " + why, e);
        } finally {
            if (abort != null) abort.cancel(false);
        }
    }

    @Override
    public void close() {
        hashers.shutdown();
        watchdog.shutdownNow();
    }

    private record Chunk(Job job, int index, long offset, long length) {}

    /** One file being downloaded: its partial file, which chunks it holds, and its in-order hash. */
    private static final class Job {
        final Target target;
        final FileChannel data;
        private final FileChannel marks;
        private final long chunkBytes;
        private final boolean[] done;
        private final ExecutorService hashers;
        private final CompletableFuture<Void> finished = new CompletableFuture<>();
        private int hashedChunks;
        private boolean hashing;

        private Job(Target target, long chunkBytes, ExecutorService hashers, FileChannel data, FileChannel marks)
                throws IOException {
            this.target = target;
            this.chunkBytes = chunkBytes;
            this.hashers = hashers;
            this.data = data;
            this.marks = marks;
            int n = (int) Math.max(1, (target.size() + chunkBytes - 1) / chunkBytes);
            this.done = new boolean[n];
            ByteBuffer recorded = ByteBuffer.allocate(n);
            marks.read(recorded, 0);
            for (int i = 0; i < n; i++) {
                done[i] = recorded.get(i) == 1 && data.size() >= Math.min(target.size(), (long) (i + 1) * chunkBytes);
            }
        }

        /** Opens the target's partial files; whatever it opened is closed again if it cannot finish. */
        static Job open(Target t, long chunkBytes, ExecutorService hashers) {
            FileChannel data = null;
            FileChannel marks = null;
            try {
                Files.createDirectories(t.dataFile().getParent());
                data = FileChannel.open(t.dataFile(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                marks = FileChannel.open(t.marksFile(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                return new Job(t, chunkBytes, hashers, data, marks);
            } catch (IOException | RuntimeException e) {
                closeQuietly(data);
                closeQuietly(marks);
                if (e instanceof RuntimeException r) throw r;
                throw t.failure(": cannot open its partial file " + t.dataFile() + ": " + e.getMessage(), e);
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
                if (!done[i] && target.size() > 0) out.add(new Chunk(this, i, (long) i * chunkBytes, length(i)));
            }
            return out;
        }

        private long length(int i) {
            return Math.min(chunkBytes, target.size() - (long) i * chunkBytes);
        }

        void chunkDone(int index) {
            try {
                marks.write(ByteBuffer.wrap(new byte[] {1}), index);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record a fetched chunk in " + target.marksFile(), e);
            }
            synchronized (this) {
                done[index] = true;
            }
            advance();
        }

        /** Starts hashing on a hashing thread unless one is already at it; it picks up every chunk that lands. */
        void advance() {
            synchronized (this) {
                if (hashing || finished.isDone()) return;
                hashing = true;
            }
            hashers.execute(this::hashReadyChunks);
        }

        /** Hashes the chunks that continue the hashed prefix; completes the target once the file is whole. */
        private void hashReadyChunks() {
            try {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                while (true) {
                    int next;
                    synchronized (this) {
                        if (hashedChunks == done.length || !(done[hashedChunks] || target.size() == 0)) {
                            hashing = false;
                            if (hashedChunks < done.length) return;
                            break;
                        }
                        next = hashedChunks;
                    }
                    long pos = (long) next * chunkBytes;
                    long end = pos + (target.size() == 0 ? 0 : length(next));
                    while (pos < end) {
                        buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                        int n = data.read(buf, pos);
                        if (n < 0) throw new IOException("partial file shorter than its recorded chunks");
                        target.digest(buf.flip());
                        pos += n;
                    }
                    synchronized (this) {
                        hashedChunks++;
                    }
                }
                closeQuietly();
                try {
                    target.complete();
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(target.dataFile());
                    Files.deleteIfExists(target.marksFile());
                    throw e;
                }
                Files.deleteIfExists(target.marksFile());
                finished.complete(null);
            } catch (IOException e) {
                finished.completeExceptionally(target.failure(": cannot read back or publish its bytes: " + e.getMessage(), e));
            } catch (RuntimeException e) {
                finished.completeExceptionally(e);
            }
        }

        /** Waits for the hashing of a file whose chunks are all fetched; rethrows why it was not published. */
        void awaitPublished() {
            try {
                finished.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : target.failure(": " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw target.failure(": interrupted while verifying", e);
            }
        }

        void closeQuietly() {
            closeQuietly(data);
            closeQuietly(marks); // even if closing the data file failed
        }

        private static void closeQuietly(FileChannel channel) {
            if (channel == null) return;
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing after use; nothing to save
            }
        }
    }
}
