package dev.kindling.api.leader;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gate lets a loop through on the leader and holds it on a follower until the follower leads. */
class LeaderGateTest {

    @Test
    void theLeaderPassesAtOnce() throws InterruptedException {
        LeaderGate gate = new LeaderGate(new SoleReplica("solo", Instant.EPOCH));

        gate.awaitLeadership();

        assertThat(gate.isOpen()).isTrue();
    }

    @Test
    void aFollowerIsHeldUntilItLeads() throws Exception {
        SettableLeadership leadership = new SettableLeadership();
        LeaderGate gate = new LeaderGate(leadership);
        CompletableFuture<Void> passed = new CompletableFuture<>();
        Thread loop = Thread.ofPlatform().start(() -> {
            try {
                gate.awaitLeadership();
                passed.complete(null);
            } catch (InterruptedException e) {
                passed.completeExceptionally(e);
            }
        });

        assertThat(gate.isOpen()).isFalse();
        assertThat(passed).isNotDone();
        leadership.set(true);

        // The bound only keeps a broken gate from hanging the build.
        passed.get(30, TimeUnit.SECONDS);
        assertThat(gate.isOpen()).isTrue();
        loop.join();
    }

    @Test
    void aFollowerWaitingAtTheGateCanBeStopped() throws Exception {
        LeaderGate gate = new LeaderGate(new SettableLeadership());
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread loop = Thread.ofPlatform().start(() -> {
            try {
                gate.awaitLeadership();
                ended.complete(null);
            } catch (InterruptedException e) {
                ended.complete(e);
            }
        });

        loop.interrupt();

        assertThat(ended.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    }
}
