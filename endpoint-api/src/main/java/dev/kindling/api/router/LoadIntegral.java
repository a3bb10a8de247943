package dev.kindling.api.router;

/**
 * A component's requests in flight integrated over time, O(1) per change: every arrival and departure adds
 * in-flight x nanoseconds since the previous change, so a drain divides by the interval for the time-weighted
 * average concurrency, and the count of arrivals comes along.
 */
final class LoadIntegral {

    /** One interval's load. */
    record Interval(double concurrency, long arrivals, long inFlight) {}

    private long inFlight;
    private long arrivals;
    private double area;
    private long lastChangeNanos;
    private long intervalStartNanos;

    LoadIntegral(long nowNanos) {
        lastChangeNanos = nowNanos;
        intervalStartNanos = nowNanos;
    }

    synchronized void arrive(long nowNanos) {
        advance(nowNanos);
        inFlight++;
        arrivals++;
    }

    synchronized void depart(long nowNanos) {
        advance(nowNanos);
        inFlight--;
    }

    /** The load since the previous drain (or since creation), and starts the next interval. */
    synchronized Interval drain(long nowNanos) {
        advance(nowNanos);
        long span = nowNanos - intervalStartNanos;
        Interval i = new Interval(span > 0 ? area / span : inFlight, arrivals, inFlight);
        area = 0;
        arrivals = 0;
        intervalStartNanos = Math.max(intervalStartNanos, nowNanos);
        return i;
    }

    private void advance(long nowNanos) {
        // Callers read the clock before taking the lock, so a change may come in slightly out of order.
        if (nowNanos > lastChangeNanos) {
            area += (double) inFlight * (nowNanos - lastChangeNanos);
            lastChangeNanos = nowNanos;
        }
    }
}
