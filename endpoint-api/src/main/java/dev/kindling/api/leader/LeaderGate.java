package dev.kindling.api.leader;

/**
 * Holds a leader-only loop (the reconciler's, the scaler's) while this replica follows: call
 * {@link #awaitLeadership()} at the top of each iteration; it returns at once on the leader and, on a follower,
 * as soon as this replica becomes leader.
 */
public final class LeaderGate {

    // A leader whose lease lapsed and was renewed never changed role, so no listener hears of it: look again now and then.
    private static final long RECHECK_MILLIS = 500;

    private final Leadership leadership;
    private final Object roleChanged = new Object();

    public LeaderGate(Leadership leadership) {
        this.leadership = leadership;
        leadership.addListener(leads -> {
            synchronized (roleChanged) {
                roleChanged.notifyAll();
            }
        });
    }

    /** True while this replica leads. */
    public boolean isOpen() {
        return leadership.isLeader();
    }

    /** Returns once this replica leads (at once if it does); a follower's thread waits here. */
    public void awaitLeadership() throws InterruptedException {
        synchronized (roleChanged) {
            while (!leadership.isLeader()) {
                roleChanged.wait(RECHECK_MILLIS);
            }
        }
    }
}
