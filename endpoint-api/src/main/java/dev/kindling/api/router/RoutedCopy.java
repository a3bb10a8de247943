package dev.kindling.api.router;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.netty.http.client.HttpClient;

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
    /** {@code POST} to the copy's invocations, per client (one per event loop): built once, not per request. */
    private final Map<HttpClient, HttpClient.RequestSender> senders = new ConcurrentHashMap<>(8);
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

    /**
     * The request sender of {@code client} for this copy. Reactor Netty's client is immutable, so each of
     * {@code post()} and {@code uri(...)} copies its whole configuration; done once per client and copy.
     */
    HttpClient.RequestSender sender(HttpClient client) {
        HttpClient.RequestSender s = senders.get(client);
        return s != null ? s : senders.computeIfAbsent(client, c -> c.post().uri(invocations));
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
