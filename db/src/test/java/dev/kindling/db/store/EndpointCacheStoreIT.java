package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.EndpointCache.Plan;
import dev.kindling.db.model.EndpointCacheStatus;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Endpoint cache records through a cache's life: a first build, ready, a rebuild that agents do not see until it is
 * ready, a failed one, faults against the ready generation only, and writes of a build the record has moved past
 * refused. The record goes with its endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointCacheStoreIT {

    private static final Plan PLAN = new Plan(List.of("repo/a:1"), List.of("s3://m/a.tar.gz"));
    private static final Plan PLAN_2 = new Plan(List.of("repo/a:1", "repo/b:1"), List.of());
    private static final String CONTENT = "{\"endpointName\": \"e\", \"generation\": 1, \"images\": [], \"models\": []}";

    private StoreFixture f;
    private EndpointCacheStore caches;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        caches = new EndpointCacheStore(f.client);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    private EndpointCache firstBuild(String endpoint) {
        f.endpoint(endpoint);
        assertThat(caches.create(endpoint, 1, EndpointCacheStatus.Building, PLAN, "planned", "token-" + endpoint, T0)
                .block()).isTrue();
        return caches.find(endpoint).block();
    }

    @Test
    void aFirstBuildIsRecordedOnceAndOnlyForAnEndpointThatExists() {
        EndpointCache c = firstBuild("first");
        assertThat(c).isEqualTo(new EndpointCache("first", 1, EndpointCacheStatus.Building, PLAN, null, null, null, null,
                null, null, "token-first", null, "planned", 0, T0, null, null, c.version()));
        assertThat(caches.create("first", 1, EndpointCacheStatus.Building, PLAN_2, "planned", "other", T0).block()).isFalse();
        assertThat(caches.find("first").block().peerToken()).isEqualTo("token-first");
        assertThat(caches.create("absent", 1, EndpointCacheStatus.Building, PLAN, "planned", "t", T0).block()).isFalse();
        assertThat(caches.find("absent").blockOptional()).isEmpty();
    }

    @Test
    void anEmptyRecordHoldsOnlyThePeerToken() {
        f.endpoint("empty");
        assertThat(caches.create("empty", 0, EndpointCacheStatus.Ready, Plan.EMPTY, "nothing to cache yet", "tok", T0)
                .block()).isTrue();
        EndpointCache c = caches.find("empty").block();
        assertThat(c.generation()).isZero();
        assertThat(c.readyGeneration()).isNull();
        assertThat(c.readyLocation()).isNull();
        assertThat(c.plan()).isEqualTo(Plan.EMPTY);
        assertThat(c.peerToken()).isEqualTo("tok");
    }

    @Test
    void aRebuildStaysInvisibleToAgentsUntilReadyAndALateWriteOfAnOldBuildChangesNothing() {
        firstBuild("life");
        assertThat(caches.markStarted("life", 1, T0.plusSeconds(1)).block()).isTrue();
        assertThat(caches.markReady("life", 1, "/c/life/gen-1", CONTENT, 300, 200, T0.plusSeconds(5)).block()).isTrue();
        EndpointCache ready = caches.find("life").block();
        assertThat(ready.status()).isEqualTo(EndpointCacheStatus.Ready);
        assertThat(ready.readyGeneration()).isEqualTo(1);
        assertThat(ready.readyLocation()).isEqualTo("/c/life/gen-1");
        assertThat(ready.location()).isEqualTo("/c/life/gen-1");
        assertThat(ready.imageBytes()).isEqualTo(300);
        assertThat(ready.modelBytes()).isEqualTo(200);
        assertThat(ready.contentJson()).contains("\"endpointName\": \"e\"");
        assertThat(ready.buildStartedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(ready.builtAt()).isEqualTo(T0.plusSeconds(5));

        // A rebuild: the newest generation moves on, agents keep reading generation 1 and what it holds.
        assertThat(caches.requestBuild("life", 1, 2, PLAN_2, "plan-changed", T0.plusSeconds(10)).block()).isTrue();
        assertThat(caches.requestBuild("life", 1, 2, PLAN_2, "plan-changed", T0.plusSeconds(10)).block())
                .as("a second request from the same generation").isFalse();
        EndpointCache building = caches.find("life").block();
        assertThat(building.generation()).isEqualTo(2);
        assertThat(building.status()).isEqualTo(EndpointCacheStatus.Building);
        assertThat(building.plan()).isEqualTo(PLAN_2);
        assertThat(building.location()).isNull();
        assertThat(building.buildStartedAt()).isNull();
        assertThat(building.builtAt()).as("generation 1 is what agents read, and when it was built").isEqualTo(T0.plusSeconds(5));
        assertThat(building.requestedAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(building.buildReason()).isEqualTo("plan-changed");
        assertThat(building.readyGeneration()).isEqualTo(1);
        assertThat(building.readyLocation()).isEqualTo("/c/life/gen-1");
        assertThat(building.imageBytes()).isEqualTo(300);
        assertThat(building.contentJson()).isEqualTo(ready.contentJson());

        // The build of generation 1 finishing again (a replica that lost the lead) is refused.
        assertThat(caches.markReady("life", 1, "/c/life/gen-1b", CONTENT, 1, 1, T0.plusSeconds(11)).block()).isFalse();
        assertThat(caches.markFailed("life", 1, "late").block()).isFalse();

        assertThat(caches.markStarted("life", 2, T0.plusSeconds(11)).block()).isTrue();
        assertThat(caches.markFailed("life", 2, "image repo/b:1: HTTP 404").block()).isTrue();
        EndpointCache failed = caches.find("life").block();
        assertThat(failed.status()).isEqualTo(EndpointCacheStatus.Failed);
        assertThat(failed.failureReason()).isEqualTo("image repo/b:1: HTTP 404");
        assertThat(failed.buildStartedAt()).isEqualTo(T0.plusSeconds(11));
        assertThat(failed.builtAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(failed.readyGeneration()).isEqualTo(1);
        assertThat(caches.markReady("life", 2, "/c/life/gen-2", CONTENT, 1, 1, T0.plusSeconds(13)).block())
                .as("a failed generation does not become ready").isFalse();

        assertThat(caches.requestBuild("life", 2, 3, PLAN_2, "retry: generation 2 failed", T0.plusSeconds(20)).block()).isTrue();
        assertThat(caches.find("life").block().failureReason()).isNull();
        assertThat(caches.markReady("life", 3, "/c/life/gen-3", CONTENT, 500, 0, T0.plusSeconds(21)).block()).isTrue();
        EndpointCache replaced = caches.find("life").block();
        assertThat(replaced.readyGeneration()).isEqualTo(3);
        assertThat(replaced.readyLocation()).isEqualTo("/c/life/gen-3");
        assertThat(replaced.imageBytes()).isEqualTo(500);
        assertThat(replaced.modelBytes()).isZero();
        assertThat(replaced.builtAt()).isEqualTo(T0.plusSeconds(21));
        assertThat(replaced.version()).isGreaterThan(ready.version());
    }

    @Test
    void faultsCountOnlyAgainstTheReadyGenerationAndAreForgottenWhenItIsReplaced() {
        firstBuild("faulty");
        assertThat(caches.recordFaults("faulty", 1, 1).block()).as("nothing is ready yet").isFalse();
        caches.markReady("faulty", 1, "/c/faulty/gen-1", CONTENT, 1, 1, T0).block();
        assertThat(caches.recordFaults("faulty", 1, 1).block()).isTrue();
        assertThat(caches.recordFaults("faulty", 1, 2).block()).isTrue();
        assertThat(caches.recordFaults("faulty", 7, 1).block()).as("another generation").isFalse();
        assertThat(caches.find("faulty").block().faults()).isEqualTo(3);

        caches.requestBuild("faulty", 1, 2, PLAN, "fault: 3 faults reported on generation 1", T0).block();
        assertThat(caches.recordFaults("faulty", 1, 1).block()).as("generation 1 is still what agents read").isTrue();
        assertThat(caches.find("faulty").block().faults()).isEqualTo(4);
        caches.markReady("faulty", 2, "/c/faulty/gen-2", CONTENT, 1, 1, T0).block();
        assertThat(caches.find("faulty").block().faults()).isZero();
        assertThat(caches.recordFaults("faulty", 1, 1).block()).as("generation 1 was replaced").isFalse();
        assertThat(caches.find("faulty").block().faults()).isZero();
    }

    @Test
    void theRecordGoesWithItsEndpoint() {
        firstBuild("gone");
        assertThat(f.endpoints.delete("gone").block()).isTrue();
        assertThat(caches.find("gone").blockOptional()).isEmpty();
        assertThat(caches.findAll().map(EndpointCache::endpointName).collectList().block()).doesNotContain("gone");
    }

    @Test
    void recordsAreListedByEndpointAndDeletedOnRequest() {
        firstBuild("list-b");
        firstBuild("list-a");
        List<String> names = caches.findAll().map(EndpointCache::endpointName).collectList().block();
        assertThat(names).containsSubsequence("list-a", "list-b");
        assertThat(caches.delete("list-a").block()).isTrue();
        assertThat(caches.delete("list-a").block()).isFalse();
        assertThat(caches.find("list-a").blockOptional()).isEmpty();
    }
}
