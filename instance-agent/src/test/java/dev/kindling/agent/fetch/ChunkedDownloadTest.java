package dev.kindling.agent.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.io.Throughput;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunk watchdog's deadline, and files and streams closed on the ways a download can fail. */
class ChunkedDownloadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final byte[] BYTES = "0123456789".getBytes();

    @TempDir
    Path dir;

    /** A failure of the download under test. */
    static final class Failed extends RuntimeException {
        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One small file in one chunk; {@code open} can stand in for a slow or failing request. */
    private class SmallFile implements ChunkedDownload.Target {
        private final Path marks;

        SmallFile(Path marks) {
            this.marks = marks;
        }

        @Override
        public long size() {
            return BYTES.length;
        }

        @Override
        public Path dataFile() {
            return dir.resolve("blob.data");
        }

        @Override
        public Path marksFile() {
            return marks;
        }

        @Override
        public InputStream open(long offset, long length, Duration timeout) {
            return new ByteArrayInputStream(BYTES, (int) offset, (int) length);
        }

        @Override
        public void digest(ByteBuffer bytes) { }

        @Override
        public void complete() { }

        @Override
        public RuntimeException failure(String detail, Throwable cause) {
            return new Failed("blob" + detail, cause);
        }
    }

    private static ChunkedDownload download(ScheduledExecutorService watchdog, AtomicLong clock) {
        return new ChunkedDownload("the test", 1024, 1, TIMEOUT, Retry.of("t", RetryConfig.custom().maxAttempts(1).build()),
                CircuitBreaker.ofDefaults("t"), Failed.class, Throughput.UNLIMITED, Throughput.UNLIMITED, "test",
                watchdog, clock::get);
    }

    @Test
    void theWatchdogFiresAtTheDeadlineTakenBeforeTheRequestNotAFullTimeoutAfterIt() {
        AtomicLong clock = new AtomicLong();
        AtomicLong delay = new AtomicLong(-1);
        ScheduledExecutorService watchdog = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long d, TimeUnit unit) {
                delay.set(unit.toNanos(d));
                return super.schedule(command, d, unit);
            }
        };
        SmallFile slowToAnswer = new SmallFile(dir.resolve("blob.chunks")) {
            @Override
            public InputStream open(long offset, long length, Duration timeout) {
                clock.addAndGet(Duration.ofSeconds(12).toNanos()); // the answer took 12 of the 30 seconds
                return super.open(offset, length, timeout);
            }
        };
        try (ChunkedDownload d = download(watchdog, clock)) {
            d.run(List.of(slowToAnswer), bytes -> { });
        } finally {
            watchdog.shutdownNow();
        }
        assertThat(delay).hasValue(Duration.ofSeconds(18).toNanos());
    }

    @Test
    void theBodyIsClosedWhenTheWatchdogCannotTakeItsAbort() {
        ScheduledExecutorService stopped = Executors.newSingleThreadScheduledExecutor();
        stopped.shutdown();
        AtomicBoolean closed = new AtomicBoolean();
        SmallFile target = new SmallFile(dir.resolve("blob.chunks")) {
            @Override
            public InputStream open(long offset, long length, Duration timeout) {
                return new ByteArrayInputStream(BYTES) {
                    @Override
                    public void close() {
                        closed.set(true);
                    }
                };
            }
        };
        try (ChunkedDownload d = download(stopped, new AtomicLong())) {
            assertThatThrownBy(() -> d.run(List.of(target), bytes -> { })).isInstanceOf(Failed.class);
        }
        assertThat(closed).isTrue();
    }

    @Test
    void theDataFileIsClosedWhenItsChunkMarksCannotBeOpened() throws IOException {
        Path marksThatAreADirectory = Files.createDirectories(dir.resolve("blob.chunks"));
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try (ChunkedDownload d = download(watchdog, new AtomicLong())) {
            assertThatThrownBy(() -> d.run(List.of(new SmallFile(marksThatAreADirectory)), bytes -> { }))
                    .isInstanceOf(Failed.class)
                    .hasMessageContaining("cannot open its partial file");
        } finally {
            watchdog.shutdownNow();
        }
        assertThat(openFiles()).doesNotContain(dir.resolve("blob.data").toRealPath());
    }

    /** What this process has open, from Linux's /proc. */
    private static List<Path> openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd);
                } catch (IOException e) {
                    return fd; // closed while listed
                }
            }).toList();
        }
    }
}
