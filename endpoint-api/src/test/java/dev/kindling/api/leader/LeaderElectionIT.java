package dev.kindling.api.leader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.Database;
import dev.kindling.db.TestDatabases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Two elections on one database, as two control-plane replicas would run them: exactly one leads, a stopped or
 * cut-off leader is replaced within 15 s, and a watcher looking every 50 ms never sees both lead.
 */
class LeaderElectionIT {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration TAKEOVER = Duration.ofSeconds(15);

    private Database db;
    private final List<LeaderElection> elections = new ArrayList<>();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
    private final List<String> bothLed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void database() {
        db = Database.start(TestDatabases.fresh());
    }

    @AfterEach
    void stopAll() {
        watcher.shutdownNow();
        elections.forEach(LeaderElection::stop);
        db.close();
    }

    private LeaderElection replica(String id, List<Boolean> changes) {
        LeaderElection e = new LeaderElection(db::openDedicatedConnection, id, POLL, Clock.systemUTC());
        e.addListener(changes::add);
        elections.add(e);
        e.start();
        return e;
    }

    /** Looks at both every 50 ms for the rest of the test, noting every moment both said they lead. */
    private void watch(LeaderElection a, LeaderElection b) {
        watcher.scheduleAtFixedRate(() -> {
            if (a.isLeader() && b.isLeader()) bothLed.add(Instant.now().toString());
        }, 0, 50, TimeUnit.MILLISECONDS);
    }

    private static void awaitExactlyOneLeader(LeaderElection a, LeaderElection b) {
        Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(50))
                .until(() -> a.isLeader() != b.isLeader());
    }

    @Test
    void exactlyOneLeadsAndAStoppedLeaderHandsOverToTheOther() {
        List<Boolean> aChanges = new CopyOnWriteArrayList<>();
        List<Boolean> bChanges = new CopyOnWriteArrayList<>();
        LeaderElection a = replica("replica-a", aChanges);
        LeaderElection b = replica("replica-b", bChanges);
        watch(a, b);

        awaitExactlyOneLeader(a, b);
        LeaderElection leader = a.isLeader() ? a : b;
        LeaderElection follower = leader == a ? b : a;
        List<Boolean> leaderChanges = leader == a ? aChanges : bChanges;
        Instant leaderSince = leader.since();

        leader.stop();

        assertThat(leader.isLeader()).isFalse();
        assertThat(leaderChanges).containsExactly(true, false);
        Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(50)).until(follower::isLeader);
        assertThat(follower.since()).isAfterOrEqualTo(leaderSince);
        assertThat(leader.isLeader()).isFalse();
        assertThat(bothLed).as("moments both replicas led").isEmpty();
    }

    @Test
    void aLeaderWhoseLockSessionIsKilledStepsDownAndExactlyOneLeadsAgain() {
        List<Boolean> aChanges = new CopyOnWriteArrayList<>();
        List<Boolean> bChanges = new CopyOnWriteArrayList<>();
        LeaderElection a = replica("replica-a", aChanges);
        LeaderElection b = replica("replica-b", bChanges);
        watch(a, b);
        awaitExactlyOneLeader(a, b);
        LeaderElection leader = a.isLeader() ? a : b;
        List<Boolean> leaderChanges = leader == a ? aChanges : bChanges;

        // What an operator or a failover would do to the leader's session: the server frees its lock at once.
        Long killed = DatabaseClient.create(db.connectionFactory())
                .sql("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                        + "where application_name = :name and datname = current_database()")
                .bind("name", LeaderElection.APPLICATION_NAME_PREFIX + leader.replicaId())
                .map((row, m) -> row.get(0, Long.class)).one().block(Duration.ofSeconds(10));
        assertThat(killed).as("lock sessions named after the leader").isEqualTo(1L);

        Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(50))
                .until(() -> leaderChanges.contains(false));
        awaitExactlyOneLeader(a, b);
        assertThat(bothLed).as("moments both replicas led").isEmpty();
    }

    /** Advisory locks belong to one database, so Kindlings on other databases of the same server do not count. */
    @Test
    void theLockSessionNamesItsReplicaForOperators() {
        LeaderElection a = replica("replica-a", new CopyOnWriteArrayList<>());
        Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(50)).until(a::isLeader);

        List<String> holders = DatabaseClient.create(db.connectionFactory())
                .sql("select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid "
                        + "where l.locktype = 'advisory' and l.granted and l.classid = 1802071652 and l.objid = 1818848871 "
                        + "and a.datname = current_database()")
                .map((row, m) -> row.get(0, String.class)).all().collectList().block(Duration.ofSeconds(10));
        assertThat(holders).containsExactly("kindling-leader-replica-a");
    }

    @Test
    void controlPlanesOnOtherDatabasesOfTheSameServerElectTheirOwnLeaders() {
        try (Database other = Database.start(TestDatabases.fresh())) {
            LeaderElection here = replica("replica-a", new CopyOnWriteArrayList<>());
            LeaderElection there = new LeaderElection(other::openDedicatedConnection, "replica-a", POLL, Clock.systemUTC());
            there.start();
            try {
                Awaitility.await().atMost(TAKEOVER).pollInterval(Duration.ofMillis(50))
                        .until(() -> here.isLeader() && there.isLeader());
            } finally {
                there.stop();
            }
        }
    }
}
