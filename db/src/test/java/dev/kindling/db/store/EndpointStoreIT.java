package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.dao.DataIntegrityViolationException;

/** Endpoints: created once per name, always starting at version 1, and only on a config that exists. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointStoreIT {

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        f.config("cfg");
        f.config("cfg-2");
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @Test
    void aNewEndpointStartsAtVersionOneWithItsCreationTimeEverywhere() {
        // Whatever version and reason the caller passes, a new row starts clean.
        assertThat(f.endpoints.create(new Endpoint("new", "cfg", EndpointStatus.Creating, "stale reason", T0,
                T0.plusSeconds(9), T0.plusSeconds(9), 42)).block()).isTrue();

        assertThat(f.endpoints.find("new").block())
                .isEqualTo(new Endpoint("new", "cfg", EndpointStatus.Creating, null, T0, T0, T0, 1));
    }

    @Test
    void aDuplicateNameIsRefusedAndTheFirstEndpointKept() {
        Endpoint first = f.endpoint("dup", "cfg");

        assertThat(f.endpoints.create(StoreFixture.endpointRecord("dup", "cfg-2")).block()).isFalse();

        assertThat(f.endpoints.find("dup").block()).isEqualTo(first);
    }

    @Test
    void anEndpointOnAMissingConfigIsRefusedByTheDatabase() {
        assertThatThrownBy(() -> f.endpoints.create(StoreFixture.endpointRecord("orphan", "no-such-config")).block())
                .isInstanceOf(DataIntegrityViolationException.class);
        assertThat(f.endpoints.find("orphan").block()).isNull();
    }

    @Test
    void anUpdateWritesEveryMutableFieldAndKeepsTheCreationTime() {
        Endpoint e = f.endpoint("upd", "cfg");
        Endpoint changed = new Endpoint("upd", "cfg-2", EndpointStatus.Failed, "no capacity", T0.plusSeconds(99),
                T0.plusSeconds(5), T0.plusSeconds(4), 0);

        assertThat(f.endpoints.update(changed, e.version()).block()).isTrue();

        assertThat(f.endpoints.find("upd").block()).isEqualTo(new Endpoint("upd", "cfg-2", EndpointStatus.Failed,
                "no capacity", T0, T0.plusSeconds(5), T0.plusSeconds(4), e.version() + 1));
    }

    @Test
    void findAllIsInNameOrderAndDeleteSaysWhetherItDeleted() {
        f.endpoint("all-b", "cfg");
        f.endpoint("all-a", "cfg");

        assertThat(f.endpoints.findAll().map(Endpoint::name).filter(n -> n.startsWith("all-")).collectList().block())
                .containsExactly("all-a", "all-b");
        assertThat(f.endpoints.delete("all-a").block()).isTrue();
        assertThat(f.endpoints.delete("all-a").block()).isFalse();
        assertThat(f.endpoints.find("all-a").block()).isNull();
    }

    @Test
    void anEndpointWithComponentsCannotBeDeletedUnderThem() {
        f.endpoint("parent", "cfg");
        f.component("child", "parent");

        assertThatThrownBy(() -> f.endpoints.delete("parent").block()).isInstanceOf(DataIntegrityViolationException.class);

        assertThat(f.endpoints.find("parent").block()).isNotNull();
    }
}
