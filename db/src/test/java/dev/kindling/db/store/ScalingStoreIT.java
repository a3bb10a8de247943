package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.ScalableTargetRecord;
import dev.kindling.db.model.ScalingPolicyRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.dao.DataIntegrityViolationException;
import tools.jackson.databind.json.JsonMapper;

/** Scalable targets and policies: upserts with If-Match versions, gone with their component. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScalingStoreIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        f.endpoint("ep");
    }

    @AfterAll
    void stop() {
        f.close();
    }

    private static ScalableTargetRecord target(String component, int min, int max, boolean inSuspended, int second) {
        return new ScalableTargetRecord(component, min, max, inSuspended, false, T0.plusSeconds(second),
                T0.plusSeconds(second), 0);
    }

    private static ScalingPolicyRecord policy(String component, String name, String json, int second) {
        return new ScalingPolicyRecord(component, name, "TargetTrackingScaling", json, T0.plusSeconds(second),
                T0.plusSeconds(second), 0);
    }

    @Test
    void putTargetCreatesAtVersionOneAndEachReplaceBumpsIt() {
        f.component("t-up", "ep");

        assertThat(f.scaling.putTarget(target("t-up", 1, 4, false, 0), null).block()).isTrue();
        assertThat(f.scaling.findTarget("t-up").block()).isEqualTo(new ScalableTargetRecord("t-up", 1, 4, false, false,
                T0, T0, 1));

        assertThat(f.scaling.putTarget(target("t-up", 2, 8, true, 5), null).block()).as("unconditional").isTrue();
        assertThat(f.scaling.putTarget(target("t-up", 0, 6, false, 9), 2L).block()).as("at the current version").isTrue();

        // Created once; every replace keeps the creation time and moves the modification time.
        assertThat(f.scaling.findTarget("t-up").block()).isEqualTo(new ScalableTargetRecord("t-up", 0, 6, false, false,
                T0, T0.plusSeconds(9), 3));
    }

    @Test
    void putTargetAtAStaleVersionChangesNothing() {
        f.component("t-stale", "ep");
        f.scaling.putTarget(target("t-stale", 1, 4, false, 0), null).block();
        f.scaling.putTarget(target("t-stale", 2, 8, true, 1), 1L).block();
        ScalableTargetRecord current = f.scaling.findTarget("t-stale").block();

        assertThat(f.scaling.putTarget(target("t-stale", 3, 3, false, 2), 1L).block()).isFalse();

        assertThat(f.scaling.findTarget("t-stale").block()).isEqualTo(current);
    }

    @Test
    void aTargetForAMissingComponentIsRefusedByTheDatabase() {
        assertThatThrownBy(() -> f.scaling.putTarget(target("no-such-component", 1, 2, false, 0), null).block())
                .isInstanceOf(DataIntegrityViolationException.class);
    }

    @Test
    void aTargetCanBeDeletedOnce() {
        f.component("t-del", "ep");
        f.scaling.putTarget(target("t-del", 1, 4, false, 0), null).block();

        assertThat(f.scaling.deleteTarget("t-del").block()).isTrue();
        assertThat(f.scaling.deleteTarget("t-del").block()).isFalse();
        assertThat(f.scaling.findTarget("t-del").block()).isNull();
    }

    @Test
    void policiesUpsertListInNameOrderAndDelete() {
        f.component("p-ic", "ep");
        f.scaling.putTarget(target("p-ic", 1, 4, false, 0), null).block();

        assertThat(f.scaling.putPolicy(policy("p-ic", "mem", "{\"targetValue\":70}", 0), null).block()).isTrue();
        assertThat(f.scaling.putPolicy(policy("p-ic", "cpu", "{\"targetValue\":4}", 0), null).block()).isTrue();
        assertThat(f.scaling.putPolicy(policy("p-ic", "cpu", "{\"targetValue\":5, \"cooldown\":60}", 3), null).block())
                .as("replace").isTrue();
        assertThat(f.scaling.putPolicy(policy("p-ic", "cpu", "{\"targetValue\":6}", 4), 1L).block()).as("stale").isFalse();

        assertThat(f.scaling.findPolicies("p-ic").map(ScalingPolicyRecord::policyName).collectList().block())
                .containsExactly("cpu", "mem");
        ScalingPolicyRecord cpu = f.scaling.findPolicy("p-ic", "cpu").block();
        assertThat(cpu.version()).isEqualTo(2);
        assertThat(cpu.creationTime()).isEqualTo(T0);
        assertThat(cpu.lastModifiedTime()).isEqualTo(T0.plusSeconds(3));
        // jsonb re-formats what it stores, so compare the JSON, not the text.
        assertThat(JSON.readTree(cpu.configurationJson())).isEqualTo(JSON.readTree("{\"cooldown\":60,\"targetValue\":5}"));

        assertThat(f.scaling.deletePolicy("p-ic", "mem").block()).isTrue();
        assertThat(f.scaling.deletePolicy("p-ic", "mem").block()).isFalse();
        assertThat(f.scaling.findPolicies("p-ic").map(ScalingPolicyRecord::policyName).collectList().block())
                .containsExactly("cpu");
    }

    @Test
    void targetAndPoliciesGoWithTheirComponent() {
        f.component("gone-ic", "ep");
        f.component("kept-ic", "ep");
        for (String c : new String[] {"gone-ic", "kept-ic"}) {
            f.scaling.putTarget(target(c, 1, 4, false, 0), null).block();
            f.scaling.putPolicy(policy(c, "cpu", "{}", 0), null).block();
            f.scaling.putPolicy(policy(c, "mem", "{}", 0), null).block();
        }

        assertThat(f.components.delete("gone-ic").block()).isTrue();

        assertThat(f.scaling.findTarget("gone-ic").block()).isNull();
        assertThat(f.scaling.findPolicies("gone-ic").collectList().block()).isEmpty();
        assertThat(f.scaling.findTarget("kept-ic").block()).isNotNull();
        assertThat(f.scaling.findPolicies("kept-ic").collectList().block()).hasSize(2);
    }
}
