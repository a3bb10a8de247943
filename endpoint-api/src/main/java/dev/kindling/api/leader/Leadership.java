package dev.kindling.api.leader;

import java.time.Instant;
import java.util.function.Consumer;

/** Whether this control-plane replica leads, that is, runs the reconciler and the scaler. */
public interface Leadership {

    /** True while this replica leads. Cheap; loops ask it before every pass. */
    boolean isLeader();

    /** This replica's name, as logs, metrics and {@code GET /v1/leader} show it. */
    String replicaId();

    /** When this replica last became leader or follower (its start, if it never changed). */
    Instant since();

    /**
     * Tells {@code listener} every change of role: true when this replica becomes leader, false when it steps
     * down. Called on the election's own thread, never on a request's; a listener must return quickly.
     */
    void addListener(Consumer<Boolean> listener);
}
