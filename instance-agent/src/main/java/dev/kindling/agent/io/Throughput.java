package dev.kindling.agent.io;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * A limit on bytes per second, shared by every thread that moves bytes through it, such as an instance's network
 * link or its disk. Callers acquire bytes as they move them; the limit makes them wait when they run ahead of it.
 */
@FunctionalInterface
public interface Throughput {

    /** No limit: acquiring never waits. */
    Throughput UNLIMITED = bytes -> { };

    /** Waits until {@code bytes} more may pass; throws {@link InterruptedIOException} if interrupted meanwhile. */
    void acquire(long bytes) throws InterruptedIOException;

    /**
     * A limit of {@code bytesPerSecond}, allowing a burst of 50 ms worth of bytes (at least 1 MiB) so that small
     * reads do not each pay a sleep. Zero or less means unlimited.
     */
    static Throughput bytesPerSecond(double bytesPerSecond) {
        return bytesPerSecond <= 0 ? UNLIMITED : new RateLimit(bytesPerSecond, Math.max(1 << 20, bytesPerSecond * 0.05));
    }

    /** An input stream whose reads are paced by this limit. */
    default InputStream pace(InputStream in) {
        if (this == UNLIMITED) return in;
        Throughput limit = this;
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) limit.acquire(1);
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) limit.acquire(n);
                return n;
            }
        };
    }

    /** An output stream whose writes are paced by this limit. */
    default OutputStream pace(OutputStream out) {
        if (this == UNLIMITED) return out;
        Throughput limit = this;
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                limit.acquire(1);
                out.write(b);
            }

            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                limit.acquire(len);
                out.write(buf, off, len);
            }
        };
    }
}
