package dev.kindling.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * An open-loop load generator: sends {@code POST}s at a fixed rate whatever the answers do, over a pool of keep-alive
 * connections (Reactor Netty), and measures each request from the time the schedule meant to send it, so a stall
 * shows in every request it delayed (no coordinated omission). One instance serves several phases; close it at the end.
 */
public final class OpenLoopLoad implements AutoCloseable {

    private static final byte[] EMPTY = new byte[0];

    private final ConnectionProvider connections;
    private final LoopResources loops;
    private final HttpClient http;
    private final byte[] body;
    private final Duration timeout;

    /**
     * @param body what every request sends, as {@code application/json}
     * @param timeout a request not answered in this time counts as an error ({@code timeout})
     * @param maxConnections most connections per target; requests beyond wait for one (and the wait is measured)
     * @param ioThreads event-loop threads of the client
     */
    public OpenLoopLoad(String body, Duration timeout, int maxConnections, int ioThreads) {
        this.body = body.getBytes(StandardCharsets.UTF_8);
        this.timeout = timeout;
        this.connections = ConnectionProvider.builder("open-loop-load")
                .maxConnections(maxConnections)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(timeout)
                .maxIdleTime(Duration.ofMinutes(5))
                .build();
        this.loops = LoopResources.create("open-loop-load", ioThreads, true);
        this.http = HttpClient.create(connections).runOn(loops).keepAlive(true).compress(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .responseTimeout(timeout);
    }

    /**
     * Sends {@code rate} requests a second to {@code target} for {@code duration}, then waits (at most the request
     * timeout) for the last answers. Runs on the calling thread, which keeps the schedule.
     */
    public PhaseResult run(InvocationTarget target, double rate, Duration duration) {
        HttpClient client = http.headers(h -> {
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            target.headers().forEach(h::set);
        });
        String uri = target.uri().toString();
        Recorder latency = new Recorder(3);
        Histogram sendLag = new Histogram(3);
        LongAdder succeeded = new LongAdder();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        AtomicLong outstanding = new AtomicLong();
        AtomicLong lastAnswer = new AtomicLong();

        long total = Math.round(rate * duration.toNanos() / 1e9);
        double intervalNanos = 1e9 / rate;
        // A short lead so the first request is not already late when the loop starts.
        long start = System.nanoTime() + 5_000_000;
        long lastSend = start;
        for (long i = 0; i < total; i++) {
            long intended = start + (long) (i * intervalNanos);
            long now = System.nanoTime();
            // Parking, not spinning: on a small machine a spinning generator would take a core from the system
            // under test. The lateness this leaves is recorded (send lag) and is inside every latency measured.
            while (now < intended) {
                LockSupport.parkNanos(intended - now);
                now = System.nanoTime();
            }
            sendLag.recordValue((now - intended) / 1000);
            lastSend = now;
            outstanding.incrementAndGet();
            client.post().uri(uri)
                    .send(Mono.fromCallable(() -> Unpooled.wrappedBuffer(body)))
                    .responseSingle((response, content) -> content.asByteArray().defaultIfEmpty(EMPTY)
                            .map(bytes -> response.status().code()))
                    .subscribe(status -> {
                        long done = System.nanoTime();
                        if (status / 100 == 2) {
                            latency.recordValue(Math.max(0, (done - intended) / 1000));
                            succeeded.increment();
                        } else {
                            errors.computeIfAbsent("HTTP " + status, k -> new LongAdder()).increment();
                        }
                        lastAnswer.accumulateAndGet(done, Math::max);
                        outstanding.decrementAndGet();
                    }, failure -> {
                        errors.computeIfAbsent(errorKind(failure), k -> new LongAdder()).increment();
                        lastAnswer.accumulateAndGet(System.nanoTime(), Math::max);
                        outstanding.decrementAndGet();
                    });
        }
        long drainUntil = System.nanoTime() + timeout.toNanos() + 1_000_000_000L;
        while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
            LockSupport.parkNanos(1_000_000);
        }
        Map<String, Long> errorCounts = new ConcurrentHashMap<>();
        errors.forEach((kind, n) -> errorCounts.put(kind, n.sum()));
        long unanswered = outstanding.get();
        if (unanswered > 0) errorCounts.put("unanswered", unanswered);
        double sendSeconds = (lastSend - start) / 1e9 + intervalNanos / 1e9;
        long answered = succeeded.sum() + errors.values().stream().mapToLong(LongAdder::sum).sum();
        double answerSeconds = Math.max(lastAnswer.get() - start, 1) / 1e9;
        return new PhaseResult(target.path(), latency.getIntervalHistogram(), sendLag, total, succeeded.sum(),
                errorCounts, total / sendSeconds, answered / answerSeconds);
    }

    private static String errorKind(Throwable failure) {
        if (failure instanceof ReadTimeoutException || failure instanceof TimeoutException
                || failure.getClass().getSimpleName().contains("Timeout")) {
            return "timeout";
        }
        return failure.getClass().getSimpleName();
    }

    @Override
    public void close() {
        connections.dispose();
        loops.dispose();
    }
}
