package dev.kindling.db.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.Database;
import dev.kindling.db.TestDatabases;
import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.ComputeRequirements;
import dev.kindling.db.model.Container;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ManagedInstanceScaling;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingStrategy;
import dev.kindling.db.model.StartupParameters;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * One fresh, migrated PostgreSQL database with every store on it, and builders for the rows the stores need as
 * parents. Each test class opens its own, so classes never see each other's rows.
 */
final class StoreFixture implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final ComponentSpec SPEC = new ComponentSpec(new Container("repo/m:1", "s3://models/m.tar.gz", Map.of("K", "v")),
            new ComputeRequirements(1, 2.5, 4096, null), new StartupParameters(600, 300));

    final Database db;
    final DatabaseClient client;
    final EndpointConfigStore configs;
    final EndpointStore endpoints;
    final InferenceComponentStore components;
    final InstanceStore instances;
    final CopyStore copies;
    final ScalingStore scaling;

    private StoreFixture(Database db) {
        this.db = db;
        this.client = DatabaseClient.create(db.connectionFactory());
        this.configs = new EndpointConfigStore(client);
        this.endpoints = new EndpointStore(client);
        this.components = new InferenceComponentStore(client);
        this.instances = new InstanceStore(client);
        this.copies = new CopyStore(client);
        this.scaling = new ScalingStore(client);
    }

    static StoreFixture start() {
        return new StoreFixture(Database.start(TestDatabases.fresh()));
    }

    static EndpointConfig configRecord(String name) {
        return new EndpointConfig(name, List.of(new ProductionVariant("AllTraffic", "ml.g5.xlarge", 2,
                RoutingStrategy.RANDOM, new ManagedInstanceScaling(ManagedInstanceScaling.Status.ENABLED, 1, 4))), T0);
    }

    static Endpoint endpointRecord(String name, String config) {
        return new Endpoint(name, config, EndpointStatus.Creating, null, T0, T0, T0, 1);
    }

    static InferenceComponent componentRecord(String name, String endpoint) {
        return new InferenceComponent(name, endpoint, "AllTraffic", SPEC, 1, 2, ComponentStatus.Creating, null, T0, T0, T0, 1);
    }

    EndpointConfig config(String name) {
        EndpointConfig c = configRecord(name);
        assertThat(configs.create(c).block()).as("create config %s", name).isTrue();
        return c;
    }

    /** A config and an endpoint on it, both called {@code name}; returns the stored endpoint. */
    Endpoint endpoint(String name) {
        config(name);
        return endpoint(name, name);
    }

    Endpoint endpoint(String name, String config) {
        assertThat(endpoints.create(endpointRecord(name, config)).block()).as("create endpoint %s", name).isTrue();
        return endpoints.find(name).block();
    }

    /** Moves a stored endpoint to {@code status}, through the version check. */
    Endpoint endpointStatus(String name, EndpointStatus status) {
        Endpoint e = endpoints.find(name).block();
        assertThat(endpoints.update(new Endpoint(e.name(), e.configName(), status, null, e.creationTime(), T0.plusSeconds(1),
                T0.plusSeconds(1), 0), e.version()).block()).isTrue();
        return endpoints.find(name).block();
    }

    InferenceComponent component(String name, String endpoint) {
        assertThat(components.create(componentRecord(name, endpoint)).block()).as("create component %s", name).isTrue();
        return components.find(name).block();
    }

    Instance instance(String id, String endpoint, InstanceStatus status) {
        instances.insert(new Instance(id, endpoint, "AllTraffic", "ml.g5.xlarge", status, null, null, T0, null, null, null))
                .block();
        return instances.find(id).block();
    }

    Copy copy(String id, String component, String instance, CopyStatus status) {
        copies.insert(new Copy(id, component, instance, 1, 1, 2500, 4096, status, null, null, T0, null, null)).block();
        return copy(id);
    }

    Copy copy(String id) {
        return copies.findAll().filter(c -> c.id().equals(id)).next().block();
    }

    @Override
    public void close() {
        db.close();
    }
}
