package dev.kindling.agent.protocol;

import java.util.List;

/**
 * The control plane's answer to a heartbeat: the complete set of copies this instance should run, the endpoint
 * caches it may read now (they change when a cache is rebuilt; null when none), and the other instances of its
 * endpoint it may fetch from (empty when peer fetch is off).
 */
public record HeartbeatResponse(List<CopyAssignment> copies, CacheGrant caches, List<Peer> peers) {
    public HeartbeatResponse {
        copies = copies == null ? List.of() : List.copyOf(copies);
        peers = peers == null ? List.of() : List.copyOf(peers);
    }

    public HeartbeatResponse(List<CopyAssignment> copies) {
        this(copies, null, List.of());
    }
}
