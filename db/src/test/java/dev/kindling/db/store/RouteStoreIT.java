package dev.kindling.db.store;

import static dev.kindling.db.store.StoreFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.ComponentRoute;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.CopyRoute;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingSnapshot;
import dev.kindling.db.model.RoutingStrategy;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The router's read: components of live endpoints with their variant's routing strategy, and only the copies that
 * can take requests (InService, with a model server URL).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteStoreIT {

    private StoreFixture f;
    private RouteStore routes;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        routes = new RouteStore(f.client);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @Test
    void componentsOfLiveEndpointsWithTheirStrategyAndOnlyServingCopies() {
        // "random" runs a config whose only variant routes randomly; "lor" one with two variants, LOR and RANDOM.
        f.endpoint("random");
        assertThat(f.configs.create(new EndpointConfig("lor", List.of(
                new ProductionVariant("AllTraffic", "ml.g5.xlarge", 1, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, null),
                new ProductionVariant("Side", "ml.g5.xlarge", 1, RoutingStrategy.RANDOM, null)), T0)).block()).isTrue();
        f.endpoint("lor", "lor");
        f.endpoint("empty");
        f.endpoint("going");
        f.component("r1", "random");
        f.component("l1", "lor");
        assertThat(f.components.create(new InferenceComponent("l2", "lor", "Side", StoreFixture.SPEC, 1, 1,
                ComponentStatus.InService, null, T0, T0, T0, 1)).block()).isTrue();
        // A variant the config does not have (never accepted by the API) routes by the default.
        assertThat(f.components.create(new InferenceComponent("l3", "lor", "Gone", StoreFixture.SPEC, 1, 1,
                ComponentStatus.Failed, null, T0, T0, T0, 1)).block()).isTrue();
        f.component("g1", "going");
        f.endpointStatus("going", EndpointStatus.Deleting);

        f.instance("ki-1", "random", InstanceStatus.InService);
        f.instance("ki-2", "going", InstanceStatus.InService);
        serving("kc-r1a", "r1", "ki-1", "http://127.0.0.1:9001");
        serving("kc-r1b", "r1", "ki-1", "http://127.0.0.1:9002");
        f.copy("kc-r1-pending", "r1", "ki-1", CopyStatus.Pending);
        serving("kc-r1-stopping", "r1", "ki-1", "http://127.0.0.1:9003");
        f.copies.markStopping("kc-r1-stopping").block();
        serving("kc-l2", "l2", "ki-1", "http://127.0.0.1:9004");
        serving("kc-g1", "g1", "ki-2", "http://127.0.0.1:9005");

        RoutingSnapshot s = routes.read().block();

        assertThat(s.endpointNames()).containsExactly("empty", "lor", "random");
        assertThat(s.components()).containsExactly(
                new ComponentRoute("lor", "l1", "AllTraffic", ComponentStatus.Creating, null,
                        RoutingStrategy.LEAST_OUTSTANDING_REQUESTS),
                new ComponentRoute("lor", "l2", "Side", ComponentStatus.InService, null, RoutingStrategy.RANDOM),
                new ComponentRoute("lor", "l3", "Gone", ComponentStatus.Failed, null,
                        RoutingStrategy.LEAST_OUTSTANDING_REQUESTS),
                new ComponentRoute("random", "r1", "AllTraffic", ComponentStatus.Creating, null, RoutingStrategy.RANDOM));
        // The copy of the endpoint being deleted is read too; the router ignores copies of components it lacks.
        assertThat(s.copies()).containsExactly(
                new CopyRoute("kc-g1", "g1", "http://127.0.0.1:9005"),
                new CopyRoute("kc-l2", "l2", "http://127.0.0.1:9004"),
                new CopyRoute("kc-r1a", "r1", "http://127.0.0.1:9001"),
                new CopyRoute("kc-r1b", "r1", "http://127.0.0.1:9002"));
    }

    private void serving(String id, String component, String instance, String url) {
        f.copy(id, component, instance, CopyStatus.Pending);
        assertThat(f.copies.reportObserved(id, instance, CopyStatus.Pending, CopyStatus.InService, url, null, T0, null)
                .block()).isTrue();
    }
}
