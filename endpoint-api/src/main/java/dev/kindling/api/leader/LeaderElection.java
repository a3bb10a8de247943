package dev.kindling.api.leader;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Leadership through a session-level PostgreSQL advisory lock held on one dedicated connection: every poll
 * interval a follower tries the lock and the leader checks that its session still holds it; any failure makes it
 * step down at once and try again.
 *
 * <p>A replica that takes the lock leads only after one {@linkplain #lease(Duration) lease}, and a leader that
 * cannot confirm the lock stops leading when its lease ends: so a leader whose session was killed, or whose
 * network went, has stopped before the next one starts, even before its own thread notices. A graceful stop
 * steps down, then releases the lock and says so on a notification channel, so a follower takes over at once.
 */
public final class LeaderElection implements Leadership, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** The advisory lock's key: "kindling" in ASCII, so pg_locks shows classid 1802071652, objid 1818848871. */
    public static final long LOCK_KEY = 0x6B696E646C696E67L;
    /** The notification channel a leader releasing the lock on a graceful stop notifies. */
    public static final String HANDOVER_CHANNEL = "kindling_leader";
    /** Prefix of the lock connection's application_name, so pg_stat_activity shows which replica is which. */
    public static final String APPLICATION_NAME_PREFIX = "kindling-leader-";

    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final long STOP_WAIT_MILLIS = 5_000;

    private static final String TRY_LOCK = "select pg_try_advisory_lock($1)";
    private static final String HOLDS_LOCK = "select exists(select 1 from pg_locks where locktype = 'advisory' "
            + "and pid = pg_backend_pid() and granted and objsubid = 1 "
            + "and ((classid::bigint << 32) | objid::bigint) = $1)";
    // One statement, so one transaction: the lock is free before the notification is delivered (at commit).
    private static final String RELEASE = "select pg_advisory_unlock($1), pg_notify('" + HANDOVER_CHANNEL + "', $2)";
    // The server drops the session of a leader whose host died about 7 s after its last packet (4 s idle, then
    // probes every second, and no more than 7 s unacknowledged), which frees the lock.
    private static final String KEEPALIVES = "select set_config('tcp_keepalives_idle', '4', false), "
            + "set_config('tcp_keepalives_interval', '1', false), set_config('tcp_keepalives_count', '3', false), "
            + "set_config('tcp_user_timeout', '7000', false)";

    private enum Role { FOLLOWER, CANDIDATE, LEADER }

    private final Supplier<Mono<PostgresqlConnection>> connections;
    private final String replicaId;
    private final long pollNanos;
    private final long leaseNanos;
    private final Clock clock;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final Semaphore wake = new Semaphore(0);
    private final AtomicBoolean handoverNotified = new AtomicBoolean();

    private volatile boolean running;
    private volatile Role role = Role.FOLLOWER;
    private volatile long leaseEndsNanos;
    private volatile Instant since;
    private volatile Thread thread;

    // Touched by the election thread only.
    private PostgresqlConnection connection;
    private Disposable notifications;
    private long acquiredNanos;
    private int failuresInARow;

    /**
     * @param connections opens a dedicated connection (not from the pool) to the control plane's database
     * @param replicaId this replica's name; the lock connection's application_name is {@code kindling-leader-<id>}
     * @param pollInterval how often a follower tries the lock and the leader confirms it
     */
    public LeaderElection(Supplier<Mono<PostgresqlConnection>> connections, String replicaId, Duration pollInterval,
                          Clock clock) {
        this.connections = connections;
        this.replicaId = replicaId;
        this.pollNanos = pollInterval.toNanos();
        this.leaseNanos = lease(pollInterval).toNanos();
        this.clock = clock;
        this.since = clock.instant();
    }

    /**
     * How long a confirmation of the lock lets a leader lead, and how long a replica that took the lock waits before
     * it leads: two poll intervals and half a second, so a healthy leader, confirming every poll interval, never
     * lapses.
     */
    public static Duration lease(Duration pollInterval) {
        return pollInterval.multipliedBy(2).plusMillis(500);
    }

    @Override
    public boolean isLeader() {
        return running && role == Role.LEADER && System.nanoTime() - leaseEndsNanos < 0;
    }

    @Override
    public String replicaId() {
        return replicaId;
    }

    @Override
    public Instant since() {
        return since;
    }

    @Override
    public void addListener(Consumer<Boolean> listener) {
        listeners.add(listener);
    }

    @Override
    public void start() {
        role = Role.FOLLOWER;
        since = clock.instant();
        running = true;
        log.atInfo().addKeyValue("replica", replicaId).log("Leader election started; this replica follows until it holds the lock");
        thread = Thread.ofPlatform().name("leader-election").daemon().start(this::run);
    }

    /** Steps down at once, then releases the lock on the election thread so a follower can take over. */
    @Override
    public void stop() {
        running = false;
        wake.release();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the reconcile loop starts and after it stops, so no pass runs on a replica that does not lead. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 150;
    }

    private void run() {
        while (running) {
            long started = System.nanoTime();
            try {
                step();
                failuresInARow = 0;
            } catch (RuntimeException e) {
                lose(e);
            }
            long next = started + pollNanos;
            if (role == Role.CANDIDATE) next = Math.min(next, acquiredNanos + leaseNanos);
            try {
                if (wake.tryAcquire(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                break;
            }
        }
        release();
    }

    private void step() {
        // Only an attempt that starts after a leader said it let go may skip the wait.
        boolean handedOver = handoverNotified.getAndSet(false);
        if (connection == null) connect();
        long issued = System.nanoTime();
        switch (role) {
            case FOLLOWER -> {
                if (!ask(TRY_LOCK)) return;
                if (handedOver) {
                    lead(issued);
                } else {
                    acquiredNanos = System.nanoTime();
                    role = Role.CANDIDATE;
                    log.atDebug().addKeyValue("replica", replicaId).log("Took the leader lock; leading after one lease");
                }
            }
            case CANDIDATE -> {
                if (!ask(HOLDS_LOCK)) throw new IllegalStateException("the session no longer holds the leader lock");
                if (issued - acquiredNanos >= leaseNanos) lead(issued);
            }
            case LEADER -> {
                if (!ask(HOLDS_LOCK)) throw new IllegalStateException("the session no longer holds the leader lock");
                leaseEndsNanos = issued + leaseNanos;
            }
        }
    }

    private void lead(long confirmedAtNanos) {
        leaseEndsNanos = confirmedAtNanos + leaseNanos;
        role = Role.LEADER;
        since = clock.instant();
        log.atInfo().addKeyValue("replica", replicaId).log("This replica now leads: it runs the reconciler and the scaler");
        tell(true);
    }

    /** Any failure: stop leading first, then drop the session (which frees the lock if the server still has it). */
    private void lose(RuntimeException e) {
        Role was = role;
        role = Role.FOLLOWER;
        failuresInARow++;
        closeConnection();
        if (was == Role.LEADER) {
            since = clock.instant();
            log.atWarn().addKeyValue("replica", replicaId).addKeyValue("reason", e.toString())
                    .log("This replica stepped down: it could not confirm it holds the leader lock");
            tell(false);
        } else if (failuresInARow == 1 || failuresInARow % 30 == 0) {
            log.atWarn().addKeyValue("replica", replicaId).addKeyValue("failuresInARow", failuresInARow)
                    .addKeyValue("reason", e.toString()).log("Leader election could not reach the database; retrying");
        }
    }

    private void release() {
        Role was = role;
        role = Role.FOLLOWER;
        if (was == Role.LEADER) {
            since = clock.instant();
            log.atInfo().addKeyValue("replica", replicaId).log("This replica stepped down: it is stopping");
            tell(false);
            try {
                if (connection == null) throw new IllegalStateException("no connection");
                connection.createStatement(RELEASE).bind("$1", LOCK_KEY).bind("$2", replicaId).execute()
                        .flatMap(r -> r.map((row, m) -> row.get(0))).blockLast(QUERY_TIMEOUT);
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("replica", replicaId).addKeyValue("reason", e.toString())
                        .log("Could not release the leader lock; closing its connection frees it");
            }
        }
        // A candidate never led, so it says nothing: whoever led before it may still think it leads.
        closeConnection();
    }

    private void connect() {
        connection = connections.get().block(CONNECT_TIMEOUT);
        if (connection == null) throw new IllegalStateException("no connection to the database");
        connection.createStatement("select set_config('application_name', $1, false)")
                .bind("$1", APPLICATION_NAME_PREFIX + replicaId).execute()
                .flatMap(r -> r.map((row, m) -> row.get(0))).blockLast(QUERY_TIMEOUT);
        try {
            connection.createStatement(KEEPALIVES).execute().flatMap(r -> r.map((row, m) -> row.get(0)))
                    .blockLast(QUERY_TIMEOUT);
        } catch (RuntimeException e) {
            // Some platforms lack these socket options; the lock still works, a dead leader is noticed later.
            log.atWarn().addKeyValue("reason", e.toString()).log("Could not set TCP keepalives on the leader lock's connection");
        }
        notifications = connection.getNotifications().subscribe(n -> {
            if (HANDOVER_CHANNEL.equals(n.getName())) {
                handoverNotified.set(true);
                wake.release();
            }
        }, error -> { });
        connection.createStatement("listen " + HANDOVER_CHANNEL).execute().flatMap(r -> r.getRowsUpdated())
                .blockLast(QUERY_TIMEOUT);
    }

    private boolean ask(String sql) {
        Boolean answer = connection.createStatement(sql).bind("$1", LOCK_KEY).execute()
                .flatMap(r -> r.map((row, m) -> row.get(0, Boolean.class))).blockLast(QUERY_TIMEOUT);
        if (answer == null) throw new IllegalStateException("no answer to " + sql);
        return answer;
    }

    private void closeConnection() {
        if (notifications != null) notifications.dispose();
        notifications = null;
        PostgresqlConnection c = connection;
        connection = null;
        if (c == null) return;
        try {
            c.close().block(QUERY_TIMEOUT);
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("reason", e.toString()).log("Closing the leader lock's connection failed");
        }
    }

    private void tell(boolean leads) {
        for (Consumer<Boolean> listener : listeners) {
            try {
                listener.accept(leads);
            } catch (RuntimeException e) {
                log.warn("A leadership listener failed", e);
            }
        }
    }
}
