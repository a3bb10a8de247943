package dev.kindling.api.leader;

/** What the leader's loops (reconciler, scaler, cache manager) share: how their thread is stopped. */
public final class LeaderLoops {

    private LeaderLoops() {}

    /** Interrupts the loop's thread (null: never started) and waits up to 5 s for it to end. */
    public static void stop(Thread thread) {
        if (thread == null) return;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
