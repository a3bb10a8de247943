package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ScalingEvent;
import dev.kindling.db.model.ScalingEvent.Kind;
import dev.kindling.db.model.ScalingEvent.Status;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Scaling events, the copies and instances linked to them, first-served times, router load rows, idle instances. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScalingEventStoreIT {

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        f.endpoint("ep");
        f.component("ic", "ep");
    }

    @AfterAll
    void stop() {
        f.close();
    }

    private static ScalingEvent event(String id, Kind kind, int from, int to, int second) {
        return new ScalingEvent(id, "ep", "ic", "AllTraffic", kind, kind.addsCopies() ? Status.InProgress : Status.Completed,
                from, to, "p", true, "because", T0.plusSeconds(second - 1), T0.plusSeconds(second), null, null, null,
                null, null, null, kind.addsCopies() ? null : T0.plusSeconds(second), null, null, "[]");
    }

    @Test
    void insertsListsNewestFirstInPagesAndFiltersByComponent() {
        f.endpoint("ep-list");
        f.component("ic-list", "ep-list");
        for (int i = 1; i <= 5; i++) {
            ScalingEvent e = event("se-list-" + i, i % 2 == 0 ? Kind.ScaleIn : Kind.ScaleOut, i, i + 1, i);
            f.events.insert(new ScalingEvent(e.id(), "ep-list", "ic-list", e.variantName(), e.kind(), e.status(),
                    e.fromCopies(), e.toCopies(), e.policyName(), e.burst(), e.reason(), e.thresholdCrossedAt(),
                    e.decidedAt(), null, null, null, null, null, null, e.completedAt(), null, null, "[]")).block();
        }
        Page<ScalingEvent> first = f.events.list("ep-list", null, null, 3).block();
        assertThat(first.items()).extracting(ScalingEvent::id).containsExactly("se-list-5", "se-list-4", "se-list-3");
        assertThat(first.nextToken()).isNotNull();
        Page<ScalingEvent> second = f.events.list("ep-list", null, ListQuery.decodeToken(first.nextToken()), 3).block();
        assertThat(second.items()).extracting(ScalingEvent::id).containsExactly("se-list-2", "se-list-1");
        assertThat(second.nextToken()).isNull();
        assertThat(f.events.list("ep-list", "other", null, 10).block().items()).isEmpty();
        assertThat(f.events.find("se-list-1").block().thresholdCrossedAt()).isEqualTo(T0);

        Instant[] last = f.events.lastScaleTimes("ic-list").block();
        assertThat(last[0]).as("last scale-out").isEqualTo(T0.plusSeconds(5));
        assertThat(last[1]).as("last scale-in").isEqualTo(T0.plusSeconds(4));
    }

    @Test
    void progressIsWrittenOnlyWhileInProgressAndLinksCopiesAndInstances() {
        f.events.insert(event("se-p", Kind.ScaleOut, 1, 2, 10)).block();
        f.instances.insert(new Instance("ki-p", "ep", "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null,
                T0.plusSeconds(11), null, null, null), "se-p").block();
        f.copies.insert(new Copy("kc-p", "ic", "ki-p", 1, 1, 2500, 4096, CopyStatus.Pending, null, null,
                T0.plusSeconds(12), null, null), "se-p").block();
        assertThat(f.events.findInProgress().collectList().block()).extracting(ScalingEvent::id).contains("se-p");

        assertThat(f.copies.markFirstServed("kc-p", T0.plusSeconds(20)).block()).isTrue();
        assertThat(f.copies.markFirstServed("kc-p", T0.plusSeconds(21)).block()).as("the first report wins").isFalse();
        List<ScalingEventStore.EventCopy> copies = f.events.findEventCopies(List.of("se-p")).collectList().block();
        assertThat(copies).singleElement().satisfies(c -> {
            assertThat(c.instanceId()).isEqualTo("ki-p");
            assertThat(c.firstServedAt()).isEqualTo(T0.plusSeconds(20));
            assertThat(c.instanceEventId()).isEqualTo("se-p");
        });

        ScalingEvent done = new ScalingEvent("se-p", "ep", "ic", "AllTraffic", Kind.ScaleOut, Status.Completed, 1, 2, "p",
                true, "because", T0.plusSeconds(9), T0.plusSeconds(10), T0.plusSeconds(11), T0.plusSeconds(13),
                T0.plusSeconds(15), T0.plusSeconds(16), T0.plusSeconds(18), T0.plusSeconds(20), T0.plusSeconds(20),
                "registry", "s3", "[{\"copyId\":\"kc-p\"}]");
        assertThat(f.events.updateProgress(done).block()).isTrue();
        assertThat(f.events.find("se-p").block()).satisfies(e -> {
            assertThat(e.status()).isEqualTo(Status.Completed);
            assertThat(e.firstRequestAt()).isEqualTo(T0.plusSeconds(20));
            assertThat(e.imageTier()).isEqualTo("registry");
            assertThat(e.copiesJson()).contains("kc-p");
        });
        assertThat(f.events.updateProgress(done).block()).as("a finished event is not rewritten").isFalse();
    }

    @Test
    void idleSinceAndCachedBytesAreKept() {
        f.instance("ki-idle", "ep", InstanceStatus.Pending);
        f.instances.register("ki-idle", "http://a", T0).block();
        assertThat(f.instances.heartbeat("ki-idle", T0.plusSeconds(1), 12345L).block()).isTrue();
        assertThat(f.instances.heartbeat("ki-idle", T0.plusSeconds(2), null).block()).isTrue();
        assertThat(f.instances.setIdleSince("ki-idle", T0.plusSeconds(3)).block()).isTrue();
        Instance i = f.instances.find("ki-idle").block();
        assertThat(i.cachedBytes()).as("kept when a heartbeat does not say").isEqualTo(12345L);
        assertThat(i.idleSince()).isEqualTo(T0.plusSeconds(3));
        f.instances.setIdleSince("ki-idle", null).block();
        assertThat(f.instances.find("ki-idle").block().idleSince()).isNull();
    }

    @Test
    void routerLoadRowsAreReplacedPerReplicaAndReadFreshFromOthers() {
        RouterLoadStore.Row a = new RouterLoadStore.Row("r1", "ic", "ep", "AllTraffic", T0.plusSeconds(10), 3.5, 7, 1,
                T0.plusSeconds(9));
        f.routerLoad.put("r1", List.of(a)).block();
        f.routerLoad.put("r2", List.of(new RouterLoadStore.Row("r2", "ic", "ep", "AllTraffic", T0.plusSeconds(2), 1, 1, 0,
                null))).block();
        assertThat(f.routerLoad.findFresh("r2", T0.plusSeconds(5)).collectList().block()).containsExactly(a);
        assertThat(f.routerLoad.findFresh("r1", T0.plusSeconds(5)).collectList().block()).as("r2's row is stale").isEmpty();
        f.routerLoad.put("r1", List.of()).block();
        assertThat(f.routerLoad.findFresh("r2", T0).collectList().block()).isEmpty();
    }
}
