package dev.kindling.scaler.metrics;

import java.time.Duration;
import java.time.Instant;

/**
 * A sum over the last {@code length} seconds: a ring of per-second buckets with a running total, so a record and a
 * read cost O(1) amortized however long the window is (after resilience4j's {@code SlidingTimeWindowMetrics}).
 *
 * <p>At {@code now} the window covers the seconds in (now - length, now]. Its clock is the latest second any record
 * or read has named; buckets that fall out are subtracted lazily as that clock moves, and a jump of a whole window
 * or more drops them all at once. A sample older than the window when it arrives is ignored, and a read ignores
 * samples of seconds after its {@code now}. Values are kept in millionths so the running total is exact: a window
 * whose samples have all left reads 0, never a rounding residue that would look like load.
 *
 * <p>Not thread-safe: one owner records and reads.
 */
public final class SlidingWindow {

    /** Values are stored as whole multiples of this. */
    static final long UNITS_PER_ONE = 1_000_000;
    /** Largest absolute value one sample may carry; keeps the running total far from overflow. */
    static final double MAX_SAMPLE = 1e9;

    private final int length;
    private final long[] units;
    /** The epoch second each bucket holds; a bucket is counted only while that second is inside the window. */
    private final long[] second;
    private long head = Long.MIN_VALUE;
    private long total;
    private int secondsWithData;

    public SlidingWindow(Duration length) {
        if (length == null || length.getNano() != 0 || length.getSeconds() < 1 || length.getSeconds() > 86_400) {
            throw new IllegalArgumentException("window length must be whole seconds between 1 and 86400, was " + length);
        }
        this.length = (int) length.getSeconds();
        this.units = new long[this.length];
        this.second = new long[this.length];
        java.util.Arrays.fill(second, Long.MIN_VALUE);
    }

    public Duration length() {
        return Duration.ofSeconds(length);
    }

    /** Adds {@code value} to the bucket of {@code at}'s epoch second; several records in one second add up. */
    public void record(Instant at, double value) {
        long s = at.getEpochSecond();
        long v = toUnits(value);
        advanceTo(s);
        if (s <= head - length) {
            return;
        }
        int i = index(s);
        if (second[i] != s) {
            // Whatever the bucket held is outside the window and already out of the total.
            second[i] = s;
            units[i] = 0;
            secondsWithData++;
        }
        units[i] += v;
        total += v;
    }

    /** Sum of the samples in (now - length, now]. */
    public double sum(Instant now) {
        return scan(now.getEpochSecond(), true) / (double) UNITS_PER_ONE;
    }

    /** How many seconds in (now - length, now] hold at least one sample. */
    public int seconds(Instant now) {
        return (int) scan(now.getEpochSecond(), false);
    }

    /** Sum divided by the seconds that hold data: a gap is no measurement, not a zero. 0 when no second has data. */
    public double average(Instant now) {
        long n = now.getEpochSecond();
        long sum = scan(n, true);
        long seconds = scan(n, false);
        return seconds == 0 ? 0.0 : (double) sum / seconds / UNITS_PER_ONE;
    }

    static long toUnits(double value) {
        if (!Double.isFinite(value) || Math.abs(value) > MAX_SAMPLE) {
            throw new IllegalArgumentException("sample must be finite and at most " + MAX_SAMPLE + " in size, was " + value);
        }
        return Math.round(value * UNITS_PER_ONE);
    }

    /** The total (in units) or the count of seconds with data at second n; moves the clock forward to n if needed. */
    private long scan(long n, boolean sum) {
        advanceTo(n);
        if (head == Long.MIN_VALUE || head - n >= length) {
            return 0;
        }
        long out = sum ? total : secondsWithData;
        // A read behind the clock takes out the seconds after it; rare (a caller's clocks disagreeing), so O(gap).
        for (long t = n + 1; t <= head; t++) {
            int i = index(t);
            if (second[i] == t) {
                out -= sum ? units[i] : 1;
            }
        }
        return out;
    }

    private void advanceTo(long s) {
        if (head != Long.MIN_VALUE && s <= head) {
            return;
        }
        if (head == Long.MIN_VALUE || s - head >= length) {
            // Every bucket is now older than the window; their stale stamps keep them out of later totals.
            total = 0;
            secondsWithData = 0;
        } else {
            for (long t = head + 1; t <= s; t++) {
                int i = index(t);
                if (second[i] == t - length) {
                    total -= units[i];
                    secondsWithData--;
                }
            }
        }
        head = s;
    }

    private int index(long s) {
        return (int) Math.floorMod(s, (long) length);
    }
}
