package dev.kindling.api.router;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The requests of one component that wait for a copy: a bounded FIFO queue, released in arrival order as soon as
 * the component can serve, each request failed after the held timeout, and left behind by a client that goes away.
 * Whether the component can serve is decided under this queue's lock, and changed under it (see {@link #change}),
 * so a request is never queued just after the release that should have let it through.
 */
final class HeldRequests {

    private final String endpoint;
    private final String component;
    private final int capacity;
    private final long timeoutNanos;
    private final Scheduler timer;
    private final LongSupplier nanos;
    private final BooleanSupplier servable;
    private final Runnable onHeld;
    private final ArrayDeque<Held> queue = new ArrayDeque<>();
    private RouterException closedBecause;

    /**
     * @param servable whether the component has a copy now; read under this queue's lock
     * @param onHeld run after each request is queued (outside the lock)
     */
    HeldRequests(String endpoint, String component, int capacity, Duration timeout, Scheduler timer, LongSupplier nanos,
                 BooleanSupplier servable, Runnable onHeld) {
        this.endpoint = endpoint;
        this.component = component;
        this.capacity = capacity;
        this.timeoutNanos = timeout.toNanos();
        this.timer = timer;
        this.nanos = nanos;
        this.servable = servable;
        this.onHeld = onHeld;
    }

    /** One waiting request; {@code done} makes release, expiry, cancellation and closing exclusive. */
    private static final class Held {
        final MonoSink<Void> sink;
        final long sinceNanos;
        final AtomicBoolean done = new AtomicBoolean();
        volatile Disposable expiry;

        Held(MonoSink<Void> sink, long sinceNanos) {
            this.sink = sink;
            this.sinceNanos = sinceNanos;
        }

        boolean finish() {
            if (!done.compareAndSet(false, true)) return false;
            Disposable e = expiry;
            if (e != null) e.dispose();
            return true;
        }
    }

    /**
     * Completes when the component can serve: at once if it can now, else when released. Fails with 429 when the
     * queue is full and with 503 once {@code sinceNanos} lies the held timeout in the past.
     */
    Mono<Void> hold(long sinceNanos) {
        return Mono.create(sink -> {
            Held h = new Held(sink, sinceNanos);
            sink.onCancel(() -> {
                if (h.finish()) remove(h);
            });
            boolean serveNow = false;
            RouterException refusal = null;
            synchronized (this) {
                if (closedBecause != null) {
                    refusal = closedBecause;
                } else if (servable.getAsBoolean()) {
                    serveNow = true;
                } else if (queue.size() >= capacity) {
                    refusal = RouterException.queueFull(endpoint, component, capacity);
                } else if (!h.done.get()) {
                    queue.addLast(h);
                }
            }
            if (serveNow) {
                if (h.finish()) sink.success();
                return;
            }
            if (refusal != null) {
                if (h.finish()) sink.error(refusal);
                return;
            }
            long remaining = Math.max(0, timeoutNanos - (nanos.getAsLong() - sinceNanos));
            h.expiry = timer.schedule(() -> expire(h), remaining, TimeUnit.NANOSECONDS);
            if (h.done.get()) h.expiry.dispose(); // released or cancelled before its expiry was set
            onHeld.run();
        });
    }

    private void expire(Held h) {
        if (!h.finish()) return;
        remove(h);
        h.sink.error(RouterException.heldTooLong(endpoint, component,
                Duration.ofNanos(nanos.getAsLong() - h.sinceNanos)));
    }

    private synchronized void remove(Held h) {
        queue.remove(h);
    }

    /** Applies {@code change} (to what {@code servable} reads) under the lock, then releases all if it can serve. */
    void change(Runnable change) {
        List<Held> released;
        synchronized (this) {
            change.run();
            if (queue.isEmpty() || !servable.getAsBoolean()) return;
            released = new ArrayList<>(queue);
            queue.clear();
        }
        // In arrival order: each release picks its copy before the next one does.
        for (Held h : released) {
            if (h.finish()) h.sink.success();
        }
    }

    /** Fails every held request, and every later one, with {@code reason} (the component left the routing table). */
    void close(RouterException reason) {
        List<Held> failed;
        synchronized (this) {
            closedBecause = reason;
            failed = new ArrayList<>(queue);
            queue.clear();
        }
        for (Held h : failed) {
            if (h.finish()) h.sink.error(reason);
        }
    }

    /** Holds requests again after {@link #close}. */
    synchronized void reopen() {
        closedBecause = null;
    }

    synchronized int size() {
        return queue.size();
    }

    /** When the longest-waiting request arrived (nanos), or {@code Long.MIN_VALUE} when none waits. */
    synchronized long oldestSinceNanos() {
        long oldest = Long.MAX_VALUE;
        for (Held h : queue) oldest = Math.min(oldest, h.sinceNanos); // a request held again keeps its first time
        return queue.isEmpty() ? Long.MIN_VALUE : oldest;
    }
}
