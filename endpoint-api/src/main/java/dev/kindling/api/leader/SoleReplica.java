package dev.kindling.api.leader;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * The leadership of a control plane deployed as a single replica ({@code kindling.leader.enabled=false}): it
 * always leads, and takes no lock.
 */
public final class SoleReplica implements Leadership {

    private final String replicaId;
    private final Instant since;

    public SoleReplica(String replicaId, Instant since) {
        this.replicaId = replicaId;
        this.since = since;
    }

    @Override
    public boolean isLeader() {
        return true;
    }

    @Override
    public String replicaId() {
        return replicaId;
    }

    @Override
    public Instant since() {
        return since;
    }

    /** Never called: the role never changes. */
    @Override
    public void addListener(Consumer<Boolean> listener) {
    }
}
