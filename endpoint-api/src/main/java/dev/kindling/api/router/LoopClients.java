package dev.kindling.api.router;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.resources.ConnectionProvider;

/**
 * The router's HTTP clients to copies: one client, with a connection pool of its own, per event loop of the web
 * server. A request is forwarded over a connection of its own loop, so reading the request, writing it to the copy,
 * reading the answer and writing it back all run on one thread, in order.
 *
 * <p>With one pool shared by all loops (Reactor Netty pools by remote address, not by loop), three requests in four
 * were handed a connection of another loop on 4 loops: every one of them crossed threads twice, and when the thread
 * that read the request was preempted between the body and its end, the copy's answer could arrive before the
 * client had seen the body end. Reactor Netty then closes that connection (it cannot know the exchange finished
 * cleanly), and a flight recording at 2,000 requests/s showed 29 closes and new connections a second: 1.4 % of
 * requests, enough to sit in the p99.
 */
public final class LoopClients implements Disposable {

    /** Keep-alive connections idle this long are closed, before a model server's own idle timeout (JDK's: 30 s). */
    static final Duration MAX_IDLE = Duration.ofSeconds(20);

    private final Function<EventLoop, HttpClient> create;
    private final HttpClient other;
    private final Map<EventLoop, HttpClient> byLoop = new ConcurrentHashMap<>();
    private final List<Disposable> owned;

    private LoopClients(Function<EventLoop, HttpClient> create, HttpClient other, List<Disposable> owned) {
        this.create = create;
        this.other = other;
        this.owned = owned;
    }

    /**
     * Clients for the given number of server event loops: each gets its share of the per-copy connection limits
     * (rounded up), so the whole router keeps about {@code maxConnectionsPerCopy} connections to a copy. Their
     * pools are disposed with this.
     *
     * @param loops how many event loops the web server runs (its requests' loops)
     */
    public static LoopClients perLoop(RouterSettings settings, int loops) {
        if (loops < 1) throw new IllegalArgumentException("loops must be at least 1, was " + loops);
        int connections = ceilDiv(settings.maxConnectionsPerCopy(), loops);
        int pending = ceilDiv(settings.maxPendingConnectionsPerCopy(), loops);
        List<Disposable> pools = new CopyOnWriteArrayList<>();
        Function<String, HttpClient> client = name -> {
            ConnectionProvider pool = ConnectionProvider.builder(name)
                    .maxConnections(connections)
                    .pendingAcquireMaxCount(pending)
                    .pendingAcquireTimeout(settings.invocationTimeout())
                    .maxIdleTime(MAX_IDLE)
                    .evictInBackground(MAX_IDLE)
                    .build();
            pools.add(pool);
            return HttpClient.create(pool)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis());
        };
        AtomicInteger next = new AtomicInteger();
        return new LoopClients(loop -> client.apply("kindling-router-loop-" + next.incrementAndGet()).runOn(loop),
                client.apply("kindling-router"), pools);
    }

    /**
     * Clients made by {@code create} for each loop, and {@code other} for a request whose loop is unknown; the
     * caller owns their pools.
     */
    public static LoopClients of(Function<EventLoop, HttpClient> create, HttpClient other) {
        return new LoopClients(create, other, new CopyOnWriteArrayList<>());
    }

    /** The client for connections on {@code loop}; for {@code null} (a request whose loop is unknown), another. */
    public HttpClient forLoop(EventLoop loop) {
        if (loop == null) return other;
        HttpClient c = byLoop.get(loop);
        return c != null ? c : byLoop.computeIfAbsent(loop, create);
    }

    /** How many loops have a client so far. */
    public int loops() {
        return byLoop.size();
    }

    /**
     * The event loop that serves {@code request}: Reactor Netty's requests are their connection. {@code null} for
     * any other implementation.
     */
    public static EventLoop loopOf(HttpServerRequest request) {
        return request instanceof Connection c ? c.channel().eventLoop() : null;
    }

    /** The number of event loops in a group: the web server's. */
    public static int count(Iterable<EventExecutor> group) {
        int n = 0;
        for (EventExecutor ignored : group) n++;
        return Math.max(1, n);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void dispose() {
        for (Disposable d : owned) d.dispose();
        owned.clear();
    }
}
