package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.PlacedCopy;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.dao.DataIntegrityViolationException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Copies: placed by the reconciler, reported by their agent. Agent reports lag the control plane's decisions, so a
 * late report must not undo a stop or a failure the control plane already recorded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CopyStoreIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        f.endpoint("ep");
        f.component("ic", "ep");
        f.instance("ki-1", "ep", InstanceStatus.InService);
        f.instance("ki-2", "ep", InstanceStatus.InService);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @Test
    void aPlacedCopyRoundTrips() {
        Copy placed = new Copy("kc-rt", "ic", "ki-1", 1, 1, 2500, 4096, CopyStatus.Pending, null, null, T0, null, null);
        f.copies.insert(placed).block();

        assertThat(f.copy("kc-rt")).isEqualTo(placed);
        assertThat(f.copies.findByComponent("ic").map(Copy::id).collectList().block()).contains("kc-rt");
        assertThat(f.copies.findByInstance("ki-1").map(Copy::id).collectList().block()).contains("kc-rt");
        assertThat(f.copies.findByInstance("ki-2").map(Copy::id).collectList().block()).doesNotContain("kc-rt");
    }

    @Test
    void aDuplicateCopyIdOrAMissingParentIsRefusedByTheDatabase() {
        Copy first = f.copy("kc-dup", "ic", "ki-1", CopyStatus.Pending);

        assertThatThrownBy(() -> f.copy("kc-dup", "ic", "ki-2", CopyStatus.Pending))
                .isInstanceOf(DataIntegrityViolationException.class);
        assertThatThrownBy(() -> f.copy("kc-no-instance", "ic", "ki-missing", CopyStatus.Pending))
                .isInstanceOf(DataIntegrityViolationException.class);
        assertThatThrownBy(() -> f.copy("kc-no-component", "ic-missing", "ki-1", CopyStatus.Pending))
                .isInstanceOf(DataIntegrityViolationException.class);

        assertThat(f.copy("kc-dup")).isEqualTo(first);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Pending copy is updated             | Pending   | true
            Starting copy is updated            | Starting  | true
            InService copy is updated           | InService | true
            Stopping copy keeps the stop        | Stopping  | false
            Failed copy stays failed            | Failed    | false
            """)
    void anAgentReportNeverOverridesAStopOrAFailure(String label, CopyStatus stored, boolean applied) {
        String id = "kc-rep-" + stored.name().toLowerCase();
        Copy before = f.copy(id, "ic", "ki-1", stored);

        assertThat(f.copies.reportObserved(id, "ki-1", stored, CopyStatus.InService, "http://10.0.0.7:9000", null, T0.plusSeconds(2), null)
                .block()).isEqualTo(applied);

        Copy after = f.copy(id);
        if (applied) {
            assertThat(after.status()).isEqualTo(CopyStatus.InService);
            assertThat(after.modelServerUrl()).isEqualTo("http://10.0.0.7:9000");
            assertThat(after.readyAt()).isEqualTo(T0.plusSeconds(2));
        } else {
            assertThat(after).isEqualTo(before);
        }
    }

    @Test
    void ofTwoReportsReadAtTheSameStatusOnlyTheFirstMovesTheCopyOn() {
        f.copy("kc-twice", "ic", "ki-1", CopyStatus.Starting);

        assertThat(f.copies.reportObserved("kc-twice", "ki-1", CopyStatus.Starting, CopyStatus.InService, "http://m", null,
                T0, null).block()).isTrue();
        assertThat(f.copies.reportObserved("kc-twice", "ki-1", CopyStatus.Starting, CopyStatus.InService, "http://m", null,
                T0.plusSeconds(1), null).block()).as("read before the first applied").isFalse();

        assertThat(f.copy("kc-twice").readyAt()).isEqualTo(T0);
    }

    @Test
    void aReportFromAnotherInstanceIsIgnored() {
        Copy before = f.copy("kc-foreign", "ic", "ki-1", CopyStatus.Starting);

        assertThat(f.copies.reportObserved("kc-foreign", "ki-2", CopyStatus.Starting, CopyStatus.Failed, null, "not mine", null, null).block()).isFalse();

        assertThat(f.copy("kc-foreign")).isEqualTo(before);
    }

    @Test
    void theReadyTimeIsTheFirstOneReported() {
        f.copy("kc-ready", "ic", "ki-1", CopyStatus.Pending);
        f.copies.reportObserved("kc-ready", "ki-1", CopyStatus.Pending, CopyStatus.Starting, "http://m", null, null, null).block();
        assertThat(f.copy("kc-ready").readyAt()).isNull();

        f.copies.reportObserved("kc-ready", "ki-1", CopyStatus.Starting, CopyStatus.InService, "http://m", null, T0.plusSeconds(1), null).block();
        f.copies.reportObserved("kc-ready", "ki-1", CopyStatus.InService, CopyStatus.InService, "http://m", null, T0.plusSeconds(9), null).block();
        f.copies.reportObserved("kc-ready", "ki-1", CopyStatus.InService, CopyStatus.InService, "http://m", null, null, null).block();

        assertThat(f.copy("kc-ready").readyAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void theStartupReportIsKeptUntilANewerOneArrives() {
        f.copy("kc-startup", "ic", "ki-1", CopyStatus.Pending);
        String imageDone = "{\"phases\": [{\"name\": \"image\", \"bytesDone\": 10}]}";
        f.copies.reportObserved("kc-startup", "ki-1", CopyStatus.Pending, CopyStatus.Starting, null, null, null, imageDone).block();
        assertThat(f.copy("kc-startup").startupJson()).contains("\"bytesDone\": 10");

        // A report without startup (an older agent) leaves what is stored.
        f.copies.reportObserved("kc-startup", "ki-1", CopyStatus.Starting, CopyStatus.Starting, null, null, null, null).block();
        assertThat(f.copy("kc-startup").startupJson()).contains("\"image\"");

        f.copies.reportObserved("kc-startup", "ki-1", CopyStatus.Starting, CopyStatus.InService, "http://m", null, T0,
                "{\"phases\": [{\"name\": \"health-check\"}]}").block();
        assertThat(f.copy("kc-startup").startupJson()).contains("health-check").doesNotContain("\"image\"");
    }

    @Test
    void anAgentReportedFailureIsRecordedWithItsReason() {
        f.copy("kc-crash", "ic", "ki-1", CopyStatus.Starting);

        assertThat(f.copies.reportObserved("kc-crash", "ki-1", CopyStatus.Starting, CopyStatus.Failed, null, "exit 137", null, null).block()).isTrue();

        Copy failed = f.copy("kc-crash");
        assertThat(failed.status()).isEqualTo(CopyStatus.Failed);
        assertThat(failed.failureReason()).isEqualTo("exit 137");
        assertThat(failed.holdsResources()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Pending copy fails      | Pending   | true
            Starting copy fails     | Starting  | true
            InService copy fails    | InService | true
            Stopping copy stays     | Stopping  | false
            """)
    void theControlPlaneFailsAnyCopyButOneItIsStopping(String label, CopyStatus stored, boolean failed) {
        String id = "kc-fail-" + stored.name().toLowerCase();
        Copy before = f.copy(id, "ic", "ki-1", stored);

        assertThat(f.copies.markFailed(id, "instance died").block()).isEqualTo(failed);

        Copy after = f.copy(id);
        if (failed) {
            assertThat(after.status()).isEqualTo(CopyStatus.Failed);
            assertThat(after.failureReason()).isEqualTo("instance died");
        } else {
            assertThat(after).isEqualTo(before);
        }
    }

    @Test
    void stoppingAndDeletingSayWhetherTheCopyExisted() {
        f.copy("kc-stop", "ic", "ki-1", CopyStatus.InService);

        assertThat(f.copies.markStopping("kc-stop").block()).isTrue();
        assertThat(f.copy("kc-stop").status()).isEqualTo(CopyStatus.Stopping);
        assertThat(f.copies.delete("kc-stop").block()).isTrue();
        assertThat(f.copies.delete("kc-stop").block()).isFalse();
        assertThat(f.copies.markStopping("kc-stop").block()).isFalse();
    }

    @Test
    void copiesAreDeletedWithTheirComponent() {
        f.component("ic-doomed", "ep");
        f.copy("kc-doomed-1", "ic-doomed", "ki-1", CopyStatus.InService);
        f.copy("kc-doomed-2", "ic-doomed", "ki-2", CopyStatus.Stopping);
        f.copy("kc-survivor", "ic", "ki-1", CopyStatus.InService);

        assertThat(f.components.delete("ic-doomed").block()).isTrue();

        assertThat(f.copies.findByComponent("ic-doomed").collectList().block()).isEmpty();
        assertThat(f.copy("kc-doomed-1")).isNull();
        assertThat(f.copy("kc-survivor")).isNotNull();
    }

    @Test
    void placementsAreStoredWithTheCopyAndListedInPagesOfOneComponent() {
        f.component("ic-placed", "ep");
        String why = "{\"reason\":\"holds 177 MB of the 337 MB this copy needs\",\"candidates\":[{\"instanceId\":\"ki-2\",\"rank\":1}]}";
        for (String id : List.of("kc-pl-1", "kc-pl-2", "kc-pl-3")) {
            f.copies.insert(new Copy(id, "ic-placed", "ki-2", 1, 1, 2500, 4096, CopyStatus.Pending, null, null, T0, null,
                    null), null, why).block();
        }
        // Placed the old way: no explanation recorded.
        f.copies.insert(new Copy("kc-pl-4", "ic-placed", "ki-1", 1, 1, 2500, 4096, CopyStatus.Pending, null, null, T0,
                null, null)).block();
        f.copy("kc-pl-other", "ic", "ki-1", CopyStatus.Pending);

        Page<PlacedCopy> first = f.copies.listPlacements("ic-placed", new ListQuery(null, null, null, null, 3)).block();
        assertThat(first.items()).extracting(p -> p.copy().id()).containsExactly("kc-pl-1", "kc-pl-2", "kc-pl-3");
        assertThat(first.items()).allSatisfy(p -> assertThat(JSON.readTree(p.placementJson())).isEqualTo(JSON.readTree(why)));
        assertThat(first.items().getFirst().copy()).isEqualTo(f.copy("kc-pl-1"));
        assertThat(first.nextToken()).isNotNull();

        Page<PlacedCopy> rest = f.copies.listPlacements("ic-placed",
                new ListQuery(null, null, null, ListQuery.decodeToken(first.nextToken()), 3)).block();
        assertThat(rest.items()).extracting(p -> p.copy().id()).containsExactly("kc-pl-4");
        assertThat(rest.items().getFirst().placementJson()).isNull();
        assertThat(rest.nextToken()).isNull();
    }
}
