package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingStrategy;
import dev.kindling.db.store.EndpointConfigStore.DeleteOutcome;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Endpoint configs are immutable once created, and cannot be deleted from under an endpoint that runs them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointConfigStoreIT {

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
    void aConfigRoundTripsWithAllItsVariants() {
        EndpointConfig c = new EndpointConfig("two-variants", List.of(
                StoreFixture.configRecord("x").productionVariants().getFirst(),
                new ProductionVariant("Canary", "ml.m5.large", 1, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, null)), T0);

        assertThat(f.configs.create(c).block()).isTrue();

        assertThat(f.configs.find("two-variants").block()).isEqualTo(c);
    }

    @Test
    void aDuplicateNameIsRefusedAndTheFirstConfigKept() {
        EndpointConfig first = f.config("dup");
        EndpointConfig second = new EndpointConfig("dup", List.of(new ProductionVariant("Other", "ml.m5.large", 3,
                RoutingStrategy.RANDOM, null)), T0.plusSeconds(60));

        assertThat(f.configs.create(second).block()).isFalse();

        assertThat(f.configs.find("dup").block()).isEqualTo(first);
    }

    @Test
    void aMissingConfigIsNotFound() {
        assertThat(f.configs.find("never-created").block()).isNull();
    }

    @Test
    void deleteIsRefusedWhileAnEndpointUsesTheConfig() {
        assertThat(f.configs.delete("never-created").block()).isEqualTo(DeleteOutcome.NOT_FOUND);

        f.config("del-cfg");
        f.endpoint("del-user-b", "del-cfg");
        f.endpoint("del-user-a", "del-cfg");
        assertThat(f.configs.delete("del-cfg").block()).isEqualTo(DeleteOutcome.IN_USE);
        assertThat(f.configs.find("del-cfg").block()).as("still there").isNotNull();
        assertThat(f.configs.usedBy("del-cfg").block()).containsExactly("del-user-a", "del-user-b");

        f.endpoints.delete("del-user-a").block();
        assertThat(f.configs.delete("del-cfg").block()).as("one user left").isEqualTo(DeleteOutcome.IN_USE);
        f.endpoints.delete("del-user-b").block();
        assertThat(f.configs.delete("del-cfg").block()).isEqualTo(DeleteOutcome.DELETED);

        assertThat(f.configs.find("del-cfg").block()).isNull();
        assertThat(f.configs.delete("del-cfg").block()).isEqualTo(DeleteOutcome.NOT_FOUND);
    }
}
