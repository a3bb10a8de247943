package dev.kindling.api.reconcile;

import dev.kindling.api.leader.LeaderGate;
import dev.kindling.api.leader.LeaderLoops;
import dev.kindling.api.leader.Leadership;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the reconciler on its own thread while this replica leads: every interval, and at once when {@link #kick()}
 * says something changed (an API write, an agent report) or this replica becomes leader. On a follower the thread
 * waits. Starts after the web server, so agents can reach the control plane.
 */
public final class ReconcileLoop implements SmartLifecycle, ReconcileTrigger {

    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);

    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final Reconciler reconciler;
    private final long intervalMillis;
    private final LeaderGate leader;
    private final Semaphore wake = new Semaphore(0);
    private volatile Thread thread;
    private volatile boolean running;
    private volatile Instant lastPass;
    private volatile String lastError;

    public ReconcileLoop(Reconciler reconciler, long intervalMillis, Leadership leadership) {
        this.reconciler = reconciler;
        this.intervalMillis = intervalMillis;
        this.leader = new LeaderGate(leadership);
        leadership.addListener(leads -> {
            if (leads) kick();
        });
    }

    /** Asks for a pass soon. Cheap; many kicks before a pass make one pass. */
    @Override
    public void kick() {
        if (wake.availablePermits() == 0) wake.release();
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("reconciler").daemon().start(this::run);
    }

    private void run() {
        int failures = 0;
        while (running) {
            try {
                leader.awaitLeadership();
            } catch (InterruptedException e) {
                return;
            }
            long waitMillis = intervalMillis;
            try {
                reconciler.reconcileOnce();
                lastPass = Instant.now();
                lastError = null;
                if (failures > 0) {
                    log.info("Reconcile passes succeed again after {} failures", failures);
                }
                failures = 0;
            } catch (RuntimeException e) {
                if (!running) return; // interrupted by stop()
                failures++;
                lastError = e.toString();
                // Back off while the database or fleet is down: log the first failure whole, then a line now and then.
                waitMillis = Math.min(MAX_BACKOFF_MILLIS, intervalMillis << Math.min(failures, 16));
                if (failures == 1) {
                    log.error("Reconcile pass failed; retrying with backoff", e);
                } else if (failures % 10 == 0) {
                    log.warn("Reconcile passes keep failing ({} in a row), retrying every {} ms: {}", failures, waitMillis, e.toString());
                }
            }
            try {
                if (wake.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        LeaderLoops.stop(thread);
    }

    /** When the last pass completed, or null before the first. */
    public Instant lastPass() {
        return lastPass;
    }

    /** Why the last pass failed, or null if it succeeded. */
    public String lastError() {
        return lastError;
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }
}
