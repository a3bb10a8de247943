package dev.kindling.agent.cache.peer;

import dev.kindling.agent.protocol.Peer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other instances of this endpoint this one may fetch from, as the latest heartbeat answer listed them, and
 * which of them are sitting out: a peer that fails twice in a row (unreachable, timed out, refused, corrupt) is
 * skipped for 30 s. Each blob or object starts at its own offset in the list, so the load spreads over the peers.
 */
public final class EndpointPeers {

    static final int FAILURES_BEFORE_SKIP = 2;
    static final Duration SKIP = Duration.ofSeconds(30);

    private record Health(int failures, Instant skippedUntil) {}

    private final Clock clock;
    private volatile List<Peer> peers = List.of();
    private final Map<String, Health> health = new ConcurrentHashMap<>();

    public EndpointPeers(Clock clock) {
        this.clock = clock;
    }

    /** The peers listed now (never this instance itself: the agent leaves it out). */
    public void replace(List<Peer> listed) {
        this.peers = listed == null ? List.of() : List.copyOf(listed);
        health.keySet().retainAll(this.peers.stream().map(Peer::instanceId).toList());
    }

    public List<Peer> listed() {
        return peers;
    }

    /** The peers to try for {@code id} (a digest or object URI), in order, without those sitting out. */
    public List<Peer> order(String id) {
        List<Peer> all = peers;
        if (all.isEmpty()) return List.of();
        Instant now = clock.instant();
        int start = Math.floorMod(id.hashCode(), all.size());
        List<Peer> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            Peer p = all.get((start + i) % all.size());
            Health h = health.get(p.instanceId());
            if (h == null || h.skippedUntil() == null || !now.isBefore(h.skippedUntil())) out.add(p);
        }
        return out;
    }

    /** The peer failed a request; the second failure in a row sits it out for {@link #SKIP}. */
    public void failed(Peer peer) {
        Instant now = clock.instant();
        health.compute(peer.instanceId(), (id, h) -> {
            if (h != null && h.skippedUntil() != null && now.isBefore(h.skippedUntil())) return h; // a request begun earlier
            int failures = (h == null || h.skippedUntil() != null ? 0 : h.failures()) + 1;
            return failures >= FAILURES_BEFORE_SKIP ? new Health(0, now.plus(SKIP)) : new Health(failures, null);
        });
    }

    /** The peer answered as it should (served, or said it does not hold it): its failures are forgotten. */
    public void answered(Peer peer) {
        health.remove(peer.instanceId());
    }
}
