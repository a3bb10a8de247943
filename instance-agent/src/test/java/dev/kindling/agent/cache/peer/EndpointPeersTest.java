package dev.kindling.agent.cache.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.protocol.Peer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order peers are tried in, and a failing peer sitting out for 30 s; time moves by hand. */
class EndpointPeersTest {

    private static final Peer A = new Peer("ki-a", "http://127.0.0.1:1");
    private static final Peer B = new Peer("ki-b", "http://127.0.0.1:2");
    private static final Peer C = new Peer("ki-c", "http://127.0.0.1:3");

    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final EndpointPeers peers = new EndpointPeers(clock);

    @Test
    void noPeersMeansNothingToTry() {
        assertThat(peers.order("sha256:abc")).isEmpty();
    }

    @Test
    void everyPeerIsTriedOnceStartingAtAnOffsetOfTheBlobsOwn() {
        peers.replace(List.of(A, B, C));
        for (String id : List.of("sha256:1", "sha256:2", "s3://models/m/a.bin", "s3://models/m/b.bin")) {
            List<Peer> order = peers.order(id);
            assertThat(order).containsExactlyInAnyOrder(A, B, C);
            int start = Math.floorMod(id.hashCode(), 3);
            assertThat(order.getFirst()).isEqualTo(List.of(A, B, C).get(start));
            assertThat(peers.order(id)).as("the same blob, the same order").isEqualTo(order);
        }
        // Different blobs start at different peers, so the load spreads.
        assertThat(java.util.stream.IntStream.range(0, 30).mapToObj(i -> peers.order("sha256:" + i).getFirst()).distinct())
                .containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void aPeerThatFailsTwiceInARowSitsOutForThirtySeconds() {
        peers.replace(List.of(A, B));
        peers.failed(A);
        assertThat(peers.order("x")).as("one failure is forgiven").contains(A);
        peers.failed(A);
        assertThat(peers.order("x")).containsExactly(B);

        clock.now = clock.now.plus(Duration.ofSeconds(29));
        peers.failed(A); // a request begun before it sat out
        assertThat(peers.order("x")).containsExactly(B);
        clock.now = clock.now.plus(Duration.ofSeconds(1));
        assertThat(peers.order("x")).containsExactlyInAnyOrder(A, B);

        peers.failed(A);
        assertThat(peers.order("x")).as("back with a clean slate: one failure is forgiven again").contains(A);
    }

    @Test
    void anAnswerInBetweenForgivesAFailure() {
        peers.replace(List.of(A));
        peers.failed(A);
        peers.answered(A);
        peers.failed(A);
        assertThat(peers.order("x")).containsExactly(A);
    }

    @Test
    void aNewListKeepsTheStandingOfPeersStillOnIt() {
        peers.replace(List.of(A, B));
        peers.failed(A);
        peers.failed(A);
        peers.replace(List.of(A, B, C));
        assertThat(peers.order("x")).containsExactlyInAnyOrder(B, C);
        peers.replace(List.of(B));
        peers.replace(List.of(A, B));
        assertThat(peers.order("x")).as("a peer that left and came back starts afresh").containsExactlyInAnyOrder(A, B);
    }
}
