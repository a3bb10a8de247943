package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.dao.DataIntegrityViolationException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Instances: the reconciler launches and terminates them, their agents register and heartbeat. An agent's
 * write must never bring an instance back from Terminating, or the control plane would keep a dying instance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceStoreIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @Test
    void registrationMovesAPendingInstanceInServiceWithItsAgentUrl() {
        Instance launched = f.instance("ki-reg", "ep", InstanceStatus.Pending);
        assertThat(launched.agentUrl()).isNull();
        assertThat(launched.registeredAt()).isNull();

        assertThat(f.instances.register("ki-reg", "http://10.0.0.7:7070", T0.plusSeconds(1)).block()).isTrue();

        Instance registered = f.instances.find("ki-reg").block();
        assertThat(registered.status()).isEqualTo(InstanceStatus.InService);
        assertThat(registered.agentUrl()).isEqualTo("http://10.0.0.7:7070");
        assertThat(registered.registeredAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(registered.lastHeartbeatAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void aDuplicateInstanceIdIsRefusedByTheDatabase() {
        Instance first = f.instance("ki-dup", "ep", InstanceStatus.Pending);

        assertThatThrownBy(() -> f.instance("ki-dup", "other-ep", InstanceStatus.InService))
                .isInstanceOf(DataIntegrityViolationException.class);

        assertThat(f.instances.find("ki-dup").block()).isEqualTo(first);
    }

    @Test
    void aRestartedAgentReRegistersWithItsNewUrlAndKeepsTheFirstRegistrationTime() {
        f.instance("ki-rereg", "ep", InstanceStatus.Pending);
        f.instances.register("ki-rereg", "http://10.0.0.7:7070", T0.plusSeconds(1)).block();

        assertThat(f.instances.register("ki-rereg", "http://10.0.0.7:7171", T0.plusSeconds(30)).block()).isTrue();

        Instance again = f.instances.find("ki-rereg").block();
        assertThat(again.status()).isEqualTo(InstanceStatus.InService);
        assertThat(again.agentUrl()).isEqualTo("http://10.0.0.7:7171");
        assertThat(again.registeredAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(again.lastHeartbeatAt()).isEqualTo(T0.plusSeconds(30));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Terminating instance | Terminating
            Terminated instance  | Terminated
            """)
    void anInstanceOnItsWayOutCannotRegister(String label, InstanceStatus status) {
        String id = "ki-out-" + status.name().toLowerCase();
        Instance before = f.instance(id, "ep", status);

        assertThat(f.instances.register(id, "http://10.0.0.9:7070", T0.plusSeconds(1)).block()).isFalse();

        assertThat(f.instances.find(id).block()).isEqualTo(before);
    }

    @Test
    void anUnknownInstanceCannotRegisterOrHeartbeat() {
        assertThat(f.instances.register("ki-unknown", "http://x", T0).block()).isFalse();
        assertThat(f.instances.heartbeat("ki-unknown", T0).block()).isFalse();
        assertThat(f.instances.find("ki-unknown").block()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Pending: not registered yet | Pending     | false
            InService                   | InService   | true
            Terminating                 | Terminating | false
            Terminated                  | Terminated  | false
            """)
    void onlyAnInServiceInstanceAcceptsHeartbeats(String label, InstanceStatus status, boolean accepted) {
        String id = "ki-hb-" + status.name().toLowerCase();
        f.instance(id, "ep", status);

        assertThat(f.instances.heartbeat(id, T0.plusSeconds(10)).block()).isEqualTo(accepted);

        assertThat(f.instances.find(id).block().lastHeartbeatAt()).isEqualTo(accepted ? T0.plusSeconds(10) : null);
    }

    @Test
    void aHeartbeatStoresWhatTheInstanceHoldsAndOneThatDoesNotSayKeepsIt() {
        f.instance("ki-inv", "ep", InstanceStatus.InService);
        String inventory = "{\"images\":[{\"source\":\"repo/m:1\",\"bytes\":177000000}],\"models\":[]}";

        assertThat(f.instances.heartbeat("ki-inv", T0.plusSeconds(1), 177_000_000L, inventory).block()).isTrue();
        Instance stored = f.instances.find("ki-inv").block();
        assertThat(JSON.readTree(stored.inventoryJson())).isEqualTo(JSON.readTree(inventory));
        assertThat(stored.cachedBytes()).isEqualTo(177_000_000L);

        assertThat(f.instances.heartbeat("ki-inv", T0.plusSeconds(2), null, null).block()).isTrue();
        Instance kept = f.instances.find("ki-inv").block();
        assertThat(JSON.readTree(kept.inventoryJson())).isEqualTo(JSON.readTree(inventory));
        assertThat(kept.lastHeartbeatAt()).isEqualTo(T0.plusSeconds(2));

        String emptied = "{\"images\":[],\"models\":[]}";
        assertThat(f.instances.heartbeat("ki-inv", T0.plusSeconds(3), 0L, emptied).block()).isTrue();
        assertThat(JSON.readTree(f.instances.find("ki-inv").block().inventoryJson())).isEqualTo(JSON.readTree(emptied));

        f.instance("ki-inv-gone", "ep", InstanceStatus.Terminating);
        assertThat(f.instances.heartbeat("ki-inv-gone", T0.plusSeconds(1), 1L, inventory).block()).isFalse();
        assertThat(f.instances.find("ki-inv-gone").block().inventoryJson()).isNull();
    }

    @Test
    void terminationKeepsTheFirstReasonAndStampsTheTime() {
        f.instance("ki-term", "ep", InstanceStatus.Pending);
        f.instances.register("ki-term", "http://10.0.0.7:7070", T0).block();

        assertThat(f.instances.markTerminating("ki-term", "missed heartbeats").block()).isTrue();
        assertThat(f.instances.markTerminating("ki-term", "scale in").block()).isFalse();
        assertThat(f.instances.find("ki-term").block().failureReason()).isEqualTo("missed heartbeats");
        assertThat(f.instances.find("ki-term").block().terminatedAt()).isNull();

        assertThat(f.instances.markTerminated("ki-term", T0.plusSeconds(4)).block()).isTrue();
        assertThat(f.instances.markTerminated("ki-term", T0.plusSeconds(8)).block()).as("already terminated").isFalse();

        Instance gone = f.instances.find("ki-term").block();
        assertThat(gone.status()).isEqualTo(InstanceStatus.Terminated);
        assertThat(gone.failureReason()).isEqualTo("missed heartbeats");
        assertThat(gone.terminatedAt()).isEqualTo(T0.plusSeconds(4));
        assertThat(f.instances.markTerminating("ki-term", "too late").block()).isFalse();
        assertThat(f.instances.find("ki-term").block().status()).isEqualTo(InstanceStatus.Terminated);
    }

    @Test
    void aPendingInstanceCanBeTerminatedWithoutEverRegistering() {
        f.instance("ki-never", "ep", InstanceStatus.Pending);

        assertThat(f.instances.markTerminating("ki-never", "did not register in time").block()).isTrue();
        assertThat(f.instances.markTerminated("ki-never", T0.plusSeconds(600)).block()).isTrue();

        assertThat(f.instances.find("ki-never").block().terminatedAt()).isEqualTo(T0.plusSeconds(600));
    }

    @Test
    void unterminatedInstancesExcludeTerminatedOnes() {
        f.instance("ki-un-1", "un-ep", InstanceStatus.Pending);
        f.instance("ki-un-2", "un-ep", InstanceStatus.InService);
        f.instance("ki-un-3", "un-ep", InstanceStatus.Terminating);
        f.instance("ki-un-4", "un-ep", InstanceStatus.Terminated);
        f.instance("ki-un-5", "un-other", InstanceStatus.InService);

        assertThat(f.instances.findUnterminated().map(Instance::id).filter(id -> id.startsWith("ki-un-")).collectList().block())
                .containsExactly("ki-un-1", "ki-un-2", "ki-un-3", "ki-un-5");
        assertThat(f.instances.findUnterminated("un-ep").map(Instance::id).collectList().block())
                .containsExactly("ki-un-1", "ki-un-2", "ki-un-3");
    }

    @Test
    void onlyTerminatedInstancesWithoutCopiesAreForgotten() {
        f.endpoint("dt-ep");
        f.component("dt-ic", "dt-ep");
        f.instance("ki-dt-live", "dt-ep", InstanceStatus.InService);
        f.instance("ki-dt-gone", "dt-ep", InstanceStatus.Terminated);
        f.instance("ki-dt-held", "dt-ep", InstanceStatus.Terminated);
        f.instance("ki-dt-other", "dt-other", InstanceStatus.Terminated);
        f.copy("kc-dt", "dt-ic", "ki-dt-held", CopyStatus.Failed);

        assertThat(f.instances.deleteTerminated("dt-ep").block()).isEqualTo(1);

        assertThat(f.instances.find("ki-dt-gone").block()).isNull();
        assertThat(f.instances.find("ki-dt-live").block()).isNotNull();
        assertThat(f.instances.find("ki-dt-held").block()).as("a copy still points at it").isNotNull();
        assertThat(f.instances.find("ki-dt-other").block()).as("another endpoint's").isNotNull();
    }
}
