package dev.kindling.agent.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rate limit's schedule, on a clock moved by hand. */
class RateLimitTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aBurstPassesAtOnceAndWhatFollowsWaitsForTheRate() {
        RateLimit limit = new RateLimit(1000, 100, now::get); // 1000 B/s, 100 B of burst (0.1 s)
        assertThat(limit.reserve(100)).isLessThanOrEqualTo(0);
        // The next 500 bytes take 0.5 s on the link.
        assertThat(limit.reserve(500)).isEqualTo(500_000_000L);
    }

    @Test
    void idleTimeIsNotSavedUpBeyondTheBurst() {
        RateLimit limit = new RateLimit(1000, 100, now::get);
        now.addAndGet(60_000_000_000L); // a minute idle
        assertThat(limit.reserve(100)).isLessThanOrEqualTo(0);
        // Only the burst allowance (0.1 s) is ahead of the schedule: 1000 bytes more wait 0.9 s, not 0.
        assertThat(limit.reserve(1000)).isEqualTo(900_000_000L);
    }

    @Test
    void callersShareOneSchedule() {
        RateLimit limit = new RateLimit(1000, 0, now::get);
        assertThat(limit.reserve(1000)).isEqualTo(1_000_000_000L);
        assertThat(limit.reserve(1000)).isEqualTo(2_000_000_000L); // the second caller queues behind the first
        now.addAndGet(2_000_000_000L);
        assertThat(limit.reserve(1000)).isEqualTo(1_000_000_000L);
    }

    @Test
    void pacedStreamsAcquireWhatTheyMove() throws Exception {
        AtomicLong acquired = new AtomicLong();
        Throughput counting = acquired::addAndGet;
        try (InputStream in = counting.pace(new ByteArrayInputStream(new byte[12_345]))) {
            in.transferTo(counting.pace(java.io.OutputStream.nullOutputStream()));
        }
        assertThat(acquired.get()).isEqualTo(2 * 12_345);
    }

    @Test
    void unlimitedDoesNotWrap() {
        InputStream in = new ByteArrayInputStream(new byte[1]);
        assertThat(Throughput.UNLIMITED.pace(in)).isSameAs(in);
        assertThat(Throughput.bytesPerSecond(0)).isSameAs(Throughput.UNLIMITED);
    }
}
