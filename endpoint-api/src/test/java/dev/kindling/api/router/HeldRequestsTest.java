package dev.kindling.api.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Requests held while a component has no copy: released first in, first out; refused with 429 past the queue's size
 * and with 503 past the held timeout; gone from the queue when their client goes away. Time is virtual.
 */
class HeldRequestsTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final AtomicInteger heldCalls = new AtomicInteger();
    private boolean servable;
    private final HeldRequests held = new HeldRequests("ep", "ic", 2, Duration.ofMinutes(5), time,
            () -> time.now(TimeUnit.NANOSECONDS), () -> servable, heldCalls::incrementAndGet);
    private final List<String> outcomes = new ArrayList<>();

    private Disposable hold(String name) {
        return held.hold(time.now(TimeUnit.NANOSECONDS)).subscribe(null,
                e -> outcomes.add(name + ": " + ((RouterException) e).code()), () -> outcomes.add(name + ": released"));
    }

    @Test
    void heldRequestsAreReleasedInArrivalOrderWhenACopyArrives() {
        long start = time.now(TimeUnit.NANOSECONDS);
        hold("first");
        time.advanceTimeBy(Duration.ofSeconds(1));
        hold("second");
        assertThat(held.size()).isEqualTo(2);
        assertThat(heldCalls).hasValue(2);
        assertThat(held.oldestSinceNanos()).isEqualTo(start);

        held.change(() -> { }); // no copy yet: nothing moves
        assertThat(outcomes).isEmpty();
        held.change(() -> servable = true);

        assertThat(outcomes).containsExactly("first: released", "second: released");
        assertThat(held.size()).isZero();
        assertThat(held.oldestSinceNanos()).isEqualTo(Long.MIN_VALUE);
        time.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(outcomes).as("released requests never time out").hasSize(2);
    }

    @Test
    void aComponentThatCanServeLetsTheRequestThroughAtOnce() {
        servable = true;
        hold("now");
        assertThat(outcomes).containsExactly("now: released");
        assertThat(heldCalls).hasValue(0);
    }

    @Test
    void aFullQueueRefusesWith429AndKeepsWhatItHolds() {
        hold("first");
        hold("second");
        List<Throwable> refused = new ArrayList<>();
        held.hold(time.now(TimeUnit.NANOSECONDS)).subscribe(null, refused::add);

        assertThat(refused).singleElement().satisfies(e -> {
            RouterException r = (RouterException) e;
            assertThat(r.code()).isEqualTo(RouterException.Code.TOO_MANY_REQUESTS);
            assertThat(r.noCapacityReason()).isEqualTo(RouterException.QUEUE_FULL);
            assertThat(r.retryAfterSeconds()).isPositive();
            assertThat(r.getMessage()).contains("ic", "ep", "2 requests");
        });
        assertThat(held.size()).isEqualTo(2);
        held.change(() -> servable = true);
        assertThat(outcomes).containsExactly("first: released", "second: released");
    }

    @Test
    void aRequestHeldPastTheTimeoutGets503() {
        List<Throwable> failed = new ArrayList<>();
        held.hold(time.now(TimeUnit.NANOSECONDS)).subscribe(null, failed::add);
        time.advanceTimeBy(Duration.ofMinutes(5).minusMillis(1));
        assertThat(failed).isEmpty();

        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(failed).singleElement().satisfies(e -> {
            RouterException r = (RouterException) e;
            assertThat(r.code()).isEqualTo(RouterException.Code.NO_CAPACITY);
            assertThat(r.noCapacityReason()).isEqualTo(RouterException.HELD_TIMEOUT);
            assertThat(r.retryAfterSeconds()).isPositive();
            assertThat(r.getMessage()).contains("ic", "ep", "300000 ms");
        });
        assertThat(held.size()).isZero();
    }

    @Test
    void aRequestHeldAgainKeepsItsFirstDeadline() {
        long since = time.now(TimeUnit.NANOSECONDS);
        time.advanceTimeBy(Duration.ofMinutes(4));
        List<Throwable> failed = new ArrayList<>();
        held.hold(since).subscribe(null, failed::add);
        time.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(failed).singleElement().extracting(e -> ((RouterException) e).code())
                .isEqualTo(RouterException.Code.NO_CAPACITY);
    }

    @Test
    void aRequestWhoseClientWentAwayLeavesTheQueue() {
        Disposable gone = hold("gone");
        hold("stays");
        gone.dispose();

        assertThat(held.size()).isEqualTo(1);
        held.change(() -> servable = true);
        assertThat(outcomes).containsExactly("stays: released");
        time.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(outcomes).containsExactly("stays: released");
    }

    @Test
    void closingFailsWhatIsHeldAndWhatComesLater() {
        hold("held");
        held.close(RouterException.componentRemoved("ep", "ic"));
        hold("later");
        assertThat(outcomes).containsExactly("held: NOT_FOUND", "later: NOT_FOUND");
        assertThat(held.size()).isZero();

        held.reopen();
        hold("after reopening");
        assertThat(held.size()).isEqualTo(1);
    }
}
