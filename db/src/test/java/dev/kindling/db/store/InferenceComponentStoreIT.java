package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.SPEC;
import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.ComputeRequirements;
import dev.kindling.db.model.Container;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.StartupParameters;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Inference components: created only on a live endpoint, their specification stored whole. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InferenceComponentStoreIT {

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        f.config("cfg");
        f.endpoint("ep", "cfg");
        f.endpoint("ep-2", "cfg");
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @Test
    void aComponentRoundTripsWithItsSpecificationAtRevisionAndVersionOne() {
        InferenceComponent c = new InferenceComponent("rt", "ep", "AllTraffic", SPEC, 7, 3, ComponentStatus.Creating,
                "ignored", T0, T0.plusSeconds(1), T0.plusSeconds(1), 9);

        assertThat(f.components.create(c).block()).isTrue();

        assertThat(f.components.find("rt").block()).isEqualTo(new InferenceComponent("rt", "ep", "AllTraffic", SPEC, 1, 3,
                ComponentStatus.Creating, null, T0, T0, T0, 1));
    }

    @Test
    void aDuplicateNameIsRefusedAndTheFirstComponentKept() {
        InferenceComponent first = f.component("dup", "ep");

        assertThat(f.components.create(StoreFixture.componentRecord("dup", "ep-2")).block()).isFalse();

        assertThat(f.components.find("dup").block()).isEqualTo(first);
    }

    /** The guard in the insert closes the race with a concurrent endpoint delete, so it is tested on its own. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            endpoint Creating      | Creating  | true
            endpoint InService     | InService | true
            endpoint Updating      | Updating  | true
            endpoint Failed        | Failed    | true
            endpoint Deleting      | Deleting  | false
            endpoint missing       |           | false
            """)
    void aComponentNeedsAnEndpointThatIsNotBeingDeleted(String label, EndpointStatus status, boolean created) {
        String endpoint = "live-" + (status == null ? "missing" : status.name().toLowerCase());
        if (status != null) {
            f.endpoint(endpoint, "cfg");
            if (status != EndpointStatus.Creating) f.endpointStatus(endpoint, status);
        }
        String name = "on-" + endpoint;

        assertThat(f.components.create(StoreFixture.componentRecord(name, endpoint)).block()).isEqualTo(created);

        assertThat(f.components.find(name).block() != null).isEqualTo(created);
    }

    @Test
    void anUpdateWritesSpecificationRevisionAndCopyCount() {
        InferenceComponent c = f.component("upd", "ep");
        ComponentSpec next = new ComponentSpec(new Container("repo/m:2", null, Map.of()),
                new ComputeRequirements(0, 1, 2048, 8192L), new StartupParameters(60, 120));

        assertThat(f.components.update(new InferenceComponent("upd", "ep", "AllTraffic", next, 2, 0,
                ComponentStatus.Updating, null, T0.plusSeconds(50), T0.plusSeconds(3), T0.plusSeconds(3), 0), c.version())
                .block()).isTrue();

        assertThat(f.components.find("upd").block()).isEqualTo(new InferenceComponent("upd", "ep", "AllTraffic", next, 2, 0,
                ComponentStatus.Updating, null, T0, T0.plusSeconds(3), T0.plusSeconds(3), c.version() + 1));
    }

    @Test
    void componentsAreFoundByTheirEndpointInNameOrder() {
        f.endpoint("by-ep", "cfg");
        f.component("by-b", "by-ep");
        f.component("by-a", "by-ep");
        f.component("by-elsewhere", "ep");

        assertThat(f.components.findByEndpoint("by-ep").map(InferenceComponent::name).collectList().block())
                .containsExactly("by-a", "by-b");
    }

    @Test
    void deleteSaysWhetherItDeleted() {
        f.component("del", "ep");

        assertThat(f.components.delete("del").block()).isTrue();
        assertThat(f.components.delete("del").block()).isFalse();
        assertThat(f.components.find("del").block()).isNull();
    }
}
