package dev.kindling.scaler.metrics;

import java.time.Duration;
import java.util.Arrays;

/**
 * Averages over fixed periods aligned to epoch multiples of the period, the way CloudWatch publishes a
 * high-resolution metric: the seconds [kP, kP + P) form period k. Only the newest period and the one before it
 * are kept, which is all a read of the last completed period needs; O(1) per sample.
 */
final class AlignedPeriods {

    private final long period;
    /** Epoch second last recorded in each slot of a 2-period ring, to tell a new second from a repeat. */
    private final long[] seen;
    private final long[] index = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final long[] units = new long[2];
    private final int[] seconds = new int[2];
    private long newest = Long.MIN_VALUE;

    AlignedPeriods(Duration period) {
        this.period = period.getSeconds();
        this.seen = new long[(int) (2 * this.period)];
        Arrays.fill(seen, Long.MIN_VALUE);
    }

    void record(long second, long valueUnits) {
        long k = Math.floorDiv(second, period);
        if (newest != Long.MIN_VALUE && k < newest - 1) {
            return;
        }
        newest = Math.max(newest, k);
        int slot = (int) Math.floorMod(k, 2L);
        if (index[slot] != k) {
            index[slot] = k;
            units[slot] = 0;
            seconds[slot] = 0;
        }
        // The two live periods span 2P consecutive seconds, so this ring never confuses two of their seconds.
        int at = (int) Math.floorMod(second, (long) seen.length);
        if (seen[at] != second) {
            seen[at] = second;
            seconds[slot]++;
        }
        units[slot] += valueUnits;
    }

    /** Index of the last period whose every second is at or before {@code now}. */
    long lastCompleted(long now) {
        return Math.floorDiv(now + 1, period) - 1;
    }

    /** Seconds with data in period k, 0 if it is not one of the two kept. */
    int seconds(long k) {
        int slot = (int) Math.floorMod(k, 2L);
        return index[slot] == k ? seconds[slot] : 0;
    }

    /** Average over the seconds of period k that hold data; 0 when none do. */
    double average(long k) {
        int slot = (int) Math.floorMod(k, 2L);
        if (index[slot] != k || seconds[slot] == 0) {
            return 0.0;
        }
        return (double) units[slot] / seconds[slot] / SlidingWindow.UNITS_PER_ONE;
    }
}
