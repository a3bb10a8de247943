package dev.kindling.api.reconcile;

import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.api.metrics.CopyStartMetrics;
import dev.kindling.agent.protocol.CopyState;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.Requests;
import dev.kindling.api.service.EndpointConfigService;
import dev.kindling.api.service.EndpointService;
import dev.kindling.api.service.FleetService;
import dev.kindling.api.service.InferenceComponentService;
import dev.kindling.db.Database;
import dev.kindling.db.TestDatabases;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Instance;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import dev.kindling.api.metrics.ScalingMetrics;
import dev.kindling.api.scaling.ScaleOutFollower;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The reconciler over a real PostgreSQL database with a manual clock and a fake fleet. Agents are simulated
 * through the real FleetService: a booted instance registers, and each {@link #beat()} heartbeats every
 * booted, uncrashed instance, reporting the copies it was assigned as InService (or Failed, when told to).
 */
final class ReconcilerHarness implements AutoCloseable {

    static final ReconcileSettings SETTINGS = new ReconcileSettings(Duration.ofSeconds(5), Duration.ofSeconds(60),
            Duration.ofSeconds(30), Duration.ofSeconds(2));

    final Database db = Database.start(TestDatabases.fresh());
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final FakeFleet fleet = new FakeFleet();
    final InstanceTypeCatalog catalog = new InstanceTypeCatalog();
    final EndpointConfigStore configs;
    final EndpointStore endpoints;
    final InferenceComponentStore components;
    final InstanceStore instances;
    final CopyStore copies;
    final Reconciler reconciler;
    final FleetService agents;
    final EndpointConfigService configService;
    final EndpointService endpointService;
    final InferenceComponentService componentService;
    final Set<String> crashed = new HashSet<>();
    /** Copies whose (simulated) model server fails to start, with the reason. */
    final Map<String, String> failingComponents = new HashMap<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Set<String> booted = new HashSet<>();
    /** What each booted agent presents: the secret its instance was launched with. */
    private final Map<String, String> secrets = new HashMap<>();

    ReconcilerHarness() {
        DatabaseClient client = DatabaseClient.create(db.connectionFactory());
        configs = new EndpointConfigStore(client);
        endpoints = new EndpointStore(client);
        components = new InferenceComponentStore(client);
        instances = new InstanceStore(client);
        copies = new CopyStore(client);
        reconciler = new Reconciler(endpoints, configs, components, instances, copies, fleet,
                new AgentClient(WebClient.builder(), Duration.ofMillis(200)), catalog, SETTINGS, clock,
                new FleetMetrics(new SimpleMeterRegistry()), new ScaleOutFollower(new ScalingEventStore(client),
                        new ScalingStore(client), r -> { throw new IllegalStateException("no policies here"); },
                        new ScalingMetrics(meters), Duration.ofMinutes(15)));
        ReconcileTrigger none = () -> { };
        agents = new FleetService(instances, copies, components, catalog, none, clock, new CopyStartMetrics(meters));
        configService = new EndpointConfigService(configs, catalog, clock);
        endpointService = new EndpointService(endpoints, configs, components, instances, catalog, none, clock);
        componentService = new InferenceComponentService(components, endpoints, configs, copies, catalog, none, clock);
    }

    void createEndpoint(String name, String instanceType, int instances) {
        configService.create(new Requests.CreateEndpointConfig(name + "-config", List.of(
                new Requests.ProductionVariantBody("AllTraffic", instanceType, instances, null, null)))).block();
        endpointService.create(new Requests.CreateEndpoint(name, name + "-config")).block();
    }

    void createComponent(String name, String endpoint, int accelerators, double cpus, long memoryMb, int copies) {
        componentService.create(new Requests.CreateInferenceComponent(name, endpoint, "AllTraffic",
                new Requests.SpecificationBody(new Requests.ContainerBody("repo/model:1", null, null),
                        new Requests.ComputeBody(accelerators, cpus, memoryMb, null), null),
                new Requests.RuntimeConfigBody(copies))).block();
    }

    /** One reconcile pass. */
    List<Action> reconcile() {
        return reconciler.reconcileOnce();
    }

    /** Boots every launched instance that has not booted (its agent registers). */
    void bootAll() {
        for (var l : List.copyOf(fleet.launched)) {
            if (fleet.running.contains(l.instanceId()) && booted.add(l.instanceId())) {
                secrets.put(l.instanceId(), AgentPaths.bearer(l.instanceSecret()));
                agents.register(l.instanceId(), new Registration(l.instanceType().name(), "http://127.0.0.1:9/" + l.instanceId(),
                        l.endpointName()), secrets.get(l.instanceId())).block();
            }
        }
    }

    /**
     * Every live simulated agent heartbeats once, reporting each copy it was given as started (as the real agent
     * would after starting it) and leaving out the copies it was asked to stop.
     */
    void beat() {
        for (String id : booted) {
            if (crashed.contains(id) || !fleet.running.contains(id)) continue;
            List<CopyReport> reports = copies.findByInstance(id).collectList().block().stream()
                    .filter(c -> c.status() != CopyStatus.Stopping)
                    .map(this::report).toList();
            agents.heartbeat(id, new Heartbeat(reports), secrets.get(id)).block();
        }
    }

    private CopyReport report(Copy c) {
        String failure = failingComponents.get(c.componentName());
        CopyStartup startup = new CopyStartup(List.of(new CopyStartup.Phase(CopyStartup.IMAGE,
                clock.instant().minusSeconds(2), clock.instant(), 100L, 100L)),
                List.of(new CopyStartup.TierUsage(CopyStartup.IMAGE, "registry", 1, 100)), List.of());
        if (failure != null) return new CopyReport(c.id(), CopyState.Failed, null, failure, null, startup);
        return new CopyReport(c.id(), CopyState.InService, "http://127.0.0.1:9/" + c.id(), null, clock.instant(), startup);
    }

    /**
     * Boots and heartbeats, then reconciles, until a pass planned on fresh reports has nothing to do.
     */
    void settle() {
        for (int i = 0; i < 30; i++) {
            bootAll();
            beat();
            if (reconcile().isEmpty()) return;
        }
        throw new AssertionError("the fleet did not settle in 30 passes");
    }

    List<Instance> liveInstances(String endpoint) {
        return instances.findUnterminated(endpoint).collectList().block();
    }

    List<Copy> copiesOf(String component) {
        return copies.findByComponent(component).collectList().block();
    }

    @Override
    public void close() {
        db.close();
    }
}
