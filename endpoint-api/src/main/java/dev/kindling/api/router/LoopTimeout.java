package dev.kindling.api.router;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Fails a {@code Mono<Void>} with the given error unless it ends within a time limit, timed by the event loop the
 * invocation runs on. Reactor's {@code timeout} schedules on its parallel scheduler (a lock, often a wake-up of
 * another thread, and a walk up the operator chain for its message) for each invocation; a Netty event loop
 * schedules and cancels its own timers without either.
 */
final class LoopTimeout extends Mono<Void> {

    private final Mono<Void> source;
    private final EventExecutor timer;
    private final long nanos;
    private final Supplier<? extends Throwable> error;

    LoopTimeout(Mono<Void> source, EventExecutor timer, long nanos, Supplier<? extends Throwable> error) {
        this.source = source;
        this.timer = timer;
        this.nanos = nanos;
        this.error = error;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        source.subscribe(new TimeoutSubscriber(actual, this));
    }

    private static final class TimeoutSubscriber implements CoreSubscriber<Void>, Subscription, Runnable {

        private static final AtomicIntegerFieldUpdater<TimeoutSubscriber> DONE =
                AtomicIntegerFieldUpdater.newUpdater(TimeoutSubscriber.class, "done");

        private final CoreSubscriber<? super Void> actual;
        private final LoopTimeout parent;
        private Subscription upstream;
        private volatile ScheduledFuture<?> task;
        private volatile int done;

        TimeoutSubscriber(CoreSubscriber<? super Void> actual, LoopTimeout parent) {
            this.actual = actual;
            this.parent = parent;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                // Started after the subscriber has its subscription, so the timeout can never come before it; and
                // cancelled at once if the source already ended while it was handed over.
                task = parent.timer.schedule(this, parent.nanos, TimeUnit.NANOSECONDS);
                if (done != 0) task.cancel(false);
            }
        }

        @Override
        public void onNext(Void v) {
            // a Mono<Void> has no values
        }

        @Override
        public void onError(Throwable e) {
            if (DONE.compareAndSet(this, 0, 1)) {
                stopTimer();
                actual.onError(e);
            } else {
                Operators.onErrorDropped(e, actual.currentContext());
            }
        }

        @Override
        public void onComplete() {
            if (DONE.compareAndSet(this, 0, 1)) {
                stopTimer();
                actual.onComplete();
            }
        }

        /** The time is up. */
        @Override
        public void run() {
            if (DONE.compareAndSet(this, 0, 1)) {
                upstream.cancel();
                actual.onError(parent.error.get());
            }
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            if (DONE.compareAndSet(this, 0, 1)) stopTimer();
            upstream.cancel();
        }

        private void stopTimer() {
            ScheduledFuture<?> t = task;
            if (t != null) t.cancel(false);
        }
    }
}
