package dev.kindling.api.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class LoopTimeoutTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() throws InterruptedException {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static final class Late extends RuntimeException {
        Late() {
            super("late");
        }
    }

    private LoopTimeout within(Mono<Void> source, Duration limit) {
        return new LoopTimeout(source, loop, limit.toNanos(), Late::new);
    }

    @Test
    void aSourceThatNeverEndsFailsWithTheGivenErrorAndIsCancelled() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Mono<Void> never = Mono.<Void>never().doOnCancel(() -> cancelled.set(true));

        StepVerifier.create(within(never, Duration.ofMillis(50)))
                .expectError(Late.class)
                .verify(Duration.ofSeconds(5));
        assertThat(cancelled).isTrue();
    }

    @Test
    void aSourceThatEndsInTimeCompletesAndLeavesNoTimerBehind() {
        Sinks.Empty<Void> sink = Sinks.empty();
        StepVerifier.create(within(sink.asMono(), Duration.ofSeconds(30)))
                .then(() -> assertThat(pendingTimers()).isEqualTo(1))
                .then(sink::tryEmitEmpty)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(pendingTimers()).as("the timer was cancelled").isZero();
    }

    @Test
    void aSourceThatCompletesAtOnceNeverStartsATimer() {
        StepVerifier.create(within(Mono.empty(), Duration.ofSeconds(30))).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(pendingTimers()).isZero();
    }

    @Test
    void anErrorOfTheSourcePassesThroughAndCancelsTheTimer() {
        StepVerifier.create(within(Mono.error(new IllegalStateException("refused")), Duration.ofSeconds(30)))
                .expectErrorMessage("refused")
                .verify(Duration.ofSeconds(5));
        assertThat(pendingTimers()).isZero();
    }

    @Test
    void cancellingTheSubscriberCancelsTheSourceAndTheTimerAndNothingFollows() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Mono<Void> never = Mono.<Void>never().doOnCancel(() -> cancelled.set(true));

        StepVerifier.create(within(never, Duration.ofMillis(100)))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(cancelled).isTrue();
        assertThat(pendingTimers()).isZero();
    }

    /** Timers still due on the loop: counted on the loop, where its queue is kept. */
    private int pendingTimers() {
        // A cancelled timer leaves the queue when the loop next runs; a task submitted now runs after that.
        try {
            return loop.submit(() -> {
            java.lang.reflect.Field f = io.netty.util.concurrent.AbstractScheduledEventExecutor.class
                    .getDeclaredField("scheduledTaskQueue");
            f.setAccessible(true);
            java.util.Collection<?> queue = (java.util.Collection<?>) f.get(loop);
            return queue == null ? 0 : queue.size();
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
