package dev.kindling.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.api.caches.CacheGrants;
import dev.kindling.api.caches.InstanceSecrets;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.fleet.FleetProvider.LaunchRequest;
import dev.kindling.api.metrics.ScalingMetrics;
import dev.kindling.api.scaling.ScaleOutFollower;
import dev.kindling.api.service.ApiException;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.Function;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Every launch gets a secret of its own, kept only as a hash, and the endpoint's ready cache volume when it has one;
 * an agent registers and heartbeats only with its own instance's secret and for its own endpoint. A launch never
 * waits on, or fails for, a cache.
 */
class LaunchSecretsIT {

    private final ReconcilerHarness h = new ReconcilerHarness();

    @AfterEach
    void close() {
        h.close();
    }

    /** Launch volumes by endpoint; every other answer as no caches give it. */
    private static CacheGrants volumes(Function<String, Mono<FleetProvider.CacheVolume>> volume) {
        return new CacheGrants() {
            @Override
            public Mono<FleetProvider.CacheVolume> launchVolume(String endpointName) {
                return volume.apply(endpointName);
            }

            @Override
            public Mono<CacheGrant> grant(Instance instance) {
                return Mono.empty();
            }

            @Override
            public Mono<List<Peer>> peers(Instance instance) {
                return Mono.just(List.of());
            }

            @Override
            public Mono<Void> recordFaults(Instance instance, CopyStartup startup) {
                return Mono.empty();
            }
        };
    }

    private Reconciler reconciler(CacheGrants caches) {
        DatabaseClient client = DatabaseClient.create(h.db.connectionFactory());
        return new Reconciler(h.endpoints, h.configs, h.components, h.instances, h.copies, h.fleet,
                new AgentClient(WebClient.builder(), Duration.ofMillis(200)), h.catalog, ReconcilerHarness.SETTINGS, h.clock,
                new FleetMetrics(new SimpleMeterRegistry()), new ScaleOutFollower(new ScalingEventStore(client),
                        new ScalingStore(client), r -> { throw new IllegalStateException("no policies here"); },
                        new ScalingMetrics(h.meters), Duration.ofMinutes(15)),
                caches);
    }

    @Test
    void eachLaunchHasItsOwnSecretKeptOnlyAsAHashAndTheReadyVolume() {
        FleetProvider.CacheVolume ready = new FleetProvider.CacheVolume("sec", 3, "/caches/sec/gen-3");
        h.createEndpoint("sec", "ml.g5.xlarge", 3);
        reconciler(volumes(e -> e.equals("sec") ? Mono.just(ready) : Mono.empty())).reconcileOnce();

        assertThat(h.fleet.launched).hasSize(3);
        assertThat(h.fleet.launched).extracting(LaunchRequest::instanceSecret).doesNotHaveDuplicates()
                .allSatisfy(s -> assertThat(s).matches("[A-Za-z0-9_-]{43}"));
        assertThat(h.fleet.launched).extracting(LaunchRequest::cache).containsOnly(ready);
        for (LaunchRequest l : h.fleet.launched) {
            Optional<String> kept = h.instances.secretHash(l.instanceId()).block();
            assertThat(kept).contains(InstanceSecrets.hash(l.instanceSecret()));
            assertThat(kept.get()).isNotEqualTo(l.instanceSecret());
        }
    }

    @Test
    void aLaunchGoesOnWithoutACacheWhenThereIsNoneOrItCannotBeLookedUp() {
        h.createEndpoint("none", "ml.g5.xlarge", 1);
        h.createEndpoint("broken", "ml.g5.xlarge", 1);
        reconciler(volumes(e -> e.equals("broken") ? Mono.error(new IllegalStateException("database hiccup"))
                : Mono.empty())).reconcileOnce();
        assertThat(h.fleet.launched).hasSize(2).allSatisfy(l -> {
            assertThat(l.cache()).isNull();
            assertThat(l.instanceSecret()).isNotBlank();
        });
    }

    @Test
    void anAgentRegistersOnlyWithItsOwnSecretAndForItsOwnEndpoint() {
        h.createEndpoint("mine", "ml.g5.xlarge", 2);
        h.reconcile();
        LaunchRequest a = h.fleet.launched.get(0);
        LaunchRequest b = h.fleet.launched.get(1);
        Registration claim = new Registration(a.instanceType().name(), "http://127.0.0.1:9/a", "mine");

        assertThatThrownBy(() -> h.agents.register(a.instanceId(), claim, null).block())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ApiException.Code.UNAUTHORIZED));
        assertThatThrownBy(() -> h.agents.register(a.instanceId(), claim, "Basic " + a.instanceSecret()).block())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ApiException.Code.UNAUTHORIZED));
        assertThatThrownBy(() -> h.agents.register(a.instanceId(), claim, AgentPaths.bearer(b.instanceSecret())).block())
                .as("another instance's secret")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ApiException.Code.FORBIDDEN));
        assertThatThrownBy(() -> h.agents.register(a.instanceId(), new Registration(a.instanceType().name(),
                "http://127.0.0.1:9/a", "theirs"), AgentPaths.bearer(a.instanceSecret())).block())
                .as("another endpoint claimed")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ApiException.Code.FORBIDDEN));
        assertThat(h.instances.find(a.instanceId()).block().status()).as("refusals register nothing")
                .isEqualTo(InstanceStatus.Pending);

        assertThat(h.agents.register(a.instanceId(), claim, AgentPaths.bearer(a.instanceSecret())).block()).isNotNull();
        assertThat(h.instances.find(a.instanceId()).block().status()).isEqualTo(InstanceStatus.InService);

        assertThatThrownBy(() -> h.agents.heartbeat(a.instanceId(), new Heartbeat(List.of()), null).block())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ApiException.Code.UNAUTHORIZED));
        assertThatThrownBy(() -> h.agents.heartbeat(a.instanceId(), new Heartbeat(List.of()),
                AgentPaths.bearer(b.instanceSecret())).block())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ApiException.Code.FORBIDDEN));
        assertThat(h.agents.heartbeat(a.instanceId(), new Heartbeat(List.of()), AgentPaths.bearer(a.instanceSecret()))
                .block().copies()).isEmpty();
    }

    @Test
    void anInstanceLaunchedWithoutASecretRegistersAsBeforeAndIsTrustedWithNothing() {
        h.createEndpoint("old", "ml.g5.xlarge", 1);
        h.instances.insert(new Instance("ki-old", "old", "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null,
                h.clock.instant(), null, null, null)).block();
        assertThat(h.agents.register("ki-old", new Registration("ml.g5.xlarge", "http://127.0.0.1:9/old", "old"),
                AgentPaths.bearer("anything")).block().caches()).isNull();
        assertThat(h.agents.heartbeat("ki-old", new Heartbeat(List.of())).block().caches()).isNull();
    }
}
