package dev.kindling.api.router;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A copy in the routing table: where its model server takes invocations, how many requests it serves now, and its
 * meters. Outlives its removal from the table until its last request ends.
 */
final class RoutedCopy {

    final String copyId;
    final String modelServerUrl;
    final URI invocations;
    final InvocationMetrics.CopyMeters meters;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean served;
    /** Until when (nanos) requests avoid this copy because it refused a connection; 0 when it never did. */
    private volatile long avoidedUntilNanos;

    RoutedCopy(String copyId, String modelServerUrl, InvocationMetrics metrics, String endpoint, String component) {
        this.copyId = copyId;
        this.modelServerUrl = modelServerUrl;
        this.invocations = URI.create(modelServerUrl.endsWith("/") ? modelServerUrl + "invocations"
                : modelServerUrl + "/invocations");
        this.meters = metrics.forCopy(endpoint, component, copyId, inFlight, AtomicInteger::get);
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Takes one more request if it still serves {@code expected}: least-outstanding choice without a lock. */
    boolean take(int expected) {
        return inFlight.compareAndSet(expected, expected + 1);
    }

    void take() {
        inFlight.incrementAndGet();
    }

    void release() {
        inFlight.decrementAndGet();
    }

    /**
     * The copy refused a connection: requests avoid it until {@code untilNanos}, so least outstanding requests does
     * not keep sending every request first to the one copy that, having none in flight, looks the least busy.
     */
    void avoidUntil(long untilNanos) {
        avoidedUntilNanos = untilNanos;
    }

    boolean avoided(long nowNanos) {
        long until = avoidedUntilNanos;
        return until != 0 && until - nowNanos > 0;
    }

    /** True exactly once: the first time the copy answers 2xx. */
    boolean firstServed() {
        if (served) return false;
        synchronized (this) {
            if (served) return false;
            served = true;
            return true;
        }
    }
}
