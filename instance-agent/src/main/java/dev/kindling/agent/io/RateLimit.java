package dev.kindling.agent.io;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A byte rate limit as a virtual schedule (GCRA): each acquire pushes the time the link is next free by
 * {@code bytes / rate}; a caller whose bytes end past now plus the burst allowance sleeps the difference, outside
 * the lock, so waiting callers do not serialize on each other.
 */
final class RateLimit implements Throughput {

    private final double nanosPerByte;
    private final long burstNanos;
    private final LongSupplier nanoTime;
    private long freeAt;

    RateLimit(double bytesPerSecond, double burstBytes) {
        this(bytesPerSecond, burstBytes, System::nanoTime);
    }

    RateLimit(double bytesPerSecond, double burstBytes, LongSupplier nanoTime) {
        if (!(bytesPerSecond > 0)) throw new IllegalArgumentException("bytesPerSecond must be positive, was " + bytesPerSecond);
        this.nanosPerByte = 1e9 / bytesPerSecond;
        this.burstNanos = (long) (burstBytes * nanosPerByte);
        this.nanoTime = nanoTime;
        this.freeAt = nanoTime.getAsLong();
    }

    @Override
    public void acquire(long bytes) throws InterruptedIOException {
        long wait = reserve(bytes);
        if (wait <= 0) return;
        try {
            TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for throughput");
        }
    }

    /** Books {@code bytes} on the schedule; returns how long the caller must wait, in nanoseconds. */
    synchronized long reserve(long bytes) {
        long now = nanoTime.getAsLong();
        freeAt = Math.max(freeAt, now - burstNanos) + (long) (bytes * nanosPerByte);
        return freeAt - now - burstNanos;
    }
}
