package dev.kindling.agent;

import dev.kindling.agent.cache.peer.HeldContent;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CacheInventory;
import dev.kindling.agent.protocol.Peer;
import java.util.List;

/**
 * The caches side of an instance's data path as the agent drives it: the endpoint caches and peers the control plane
 * gives, what the instance holds for its heartbeats, and what it can serve its peers.
 */
public interface InstanceCaches {

    /** The endpoint caches the instance may read from now on (null: none); replaces any earlier grant. */
    void granted(CacheGrant grant);

    /** The other instances of the endpoint to fetch from, as the latest heartbeat answer listed them. */
    void peers(List<Peer> peers);

    /** What the instance holds complete, or null if it does not say. */
    CacheInventory inventory();

    /** What the instance can serve its peers. */
    HeldContent held();

    /** An instance without caches: nothing granted is read, nothing is held. */
    InstanceCaches NONE = new InstanceCaches() {
        @Override
        public void granted(CacheGrant grant) { }

        @Override
        public void peers(List<Peer> peers) { }

        @Override
        public CacheInventory inventory() {
            return null;
        }

        @Override
        public HeldContent held() {
            return HeldContent.NOTHING;
        }
    };
}
