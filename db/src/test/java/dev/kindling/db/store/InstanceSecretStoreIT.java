package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Instance secrets: the hash an instance was launched with (none for instances launched before secrets), and the
 * peers of an endpoint, which are only its serving instances that were launched with one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceSecretStoreIT {

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
    }

    @AfterAll
    void stop() {
        f.close();
    }

    private void launch(String id, String endpoint, String secretHash) {
        f.instances.insert(new Instance(id, endpoint, "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null, T0,
                null, null, null), "se-1", secretHash).block();
    }

    @Test
    void theSecretHashIsKeptAndReadBackOnlyForItsInstance() {
        launch("ki-secret", "sec", "ab".repeat(32));
        f.instance("ki-old", "sec", InstanceStatus.Pending);

        assertThat(f.instances.secretHash("ki-secret").block()).contains("ab".repeat(32));
        assertThat(f.instances.secretHash("ki-old").block()).isEqualTo(Optional.empty());
        assertThat(f.instances.secretHash("ki-absent").blockOptional()).isEmpty();
        Instance launched = f.instances.find("ki-secret").block();
        assertThat(launched.status()).isEqualTo(InstanceStatus.Pending);
        assertThat(launched.launchedAt()).isEqualTo(T0);
    }

    @Test
    void peersAreTheEndpointsServingInstancesLaunchedWithASecret() {
        launch("ki-p1", "peers", "11".repeat(32));
        launch("ki-p2", "peers", "22".repeat(32));
        launch("ki-p3", "peers", "33".repeat(32));
        launch("ki-other", "other-peers", "44".repeat(32));
        f.instance("ki-nosecret", "peers", InstanceStatus.Pending);
        for (String id : new String[] {"ki-p1", "ki-p2", "ki-other", "ki-nosecret"}) {
            f.instances.register(id, "http://127.0.0.1:1/" + id, T0).block();
        }
        // ki-p3 never registered; ki-p2 is on its way out.
        f.instances.markTerminating("ki-p2", "scale-in").block();

        assertThat(f.instances.findPeers("peers").map(Instance::id).collectList().block()).containsExactly("ki-p1");
        assertThat(f.instances.findPeers("other-peers").map(Instance::id).collectList().block()).containsExactly("ki-other");
    }
}
