package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CacheInventory;
import dev.kindling.agent.protocol.CacheInventory.Held;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyState;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.model.InventoryJson;
import dev.kindling.api.reconcile.Reconciler;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.InstanceStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The placements explain API over a real control plane whose reconciler this test drives by hand, with instances
 * whose "agents" are this test: it registers them and posts their heartbeats, so it decides what each instance
 * holds and how each copy's start went.
 */
@TestPropertySource(properties = "kindling.reconciler.enabled=false")
class PlacementApiIT extends ApiTestSupport {

    private static final long IMAGE_BYTES = 177_000_000L;
    private static final long MODEL_BYTES = 160_000_000L;

    /** Records launches instead of starting instances; the test plays their agents. */
    static final class RecordingFleet implements FleetProvider {
        final List<LaunchRequest> launched = new CopyOnWriteArrayList<>();

        @Override
        public void launch(LaunchRequest request) {
            launched.add(request);
        }

        @Override
        public void terminate(String instanceId) {}
    }

    @TestConfiguration
    static class Fleet {
        @Bean
        @Primary
        RecordingFleet recordingFleet() {
            return new RecordingFleet();
        }
    }

    @Autowired
    private RecordingFleet fleet;
    @Autowired
    private Reconciler reconciler;
    @Autowired
    private InstanceStore instances;
    @Autowired
    private CopyStore copies;

    @Test
    void aCopyGoesToTheWarmInstanceAndTheApiSaysWhyAndWhichTierServedEachBlob() {
        post("/v1/endpoint-configs", Fixtures.config("warm-cfg", "ml.g5.12xlarge", 2));
        post("/v1/endpoints", Fixtures.endpoint("warm", "warm-cfg"));
        reconciler.reconcileOnce();
        List<FleetProvider.LaunchRequest> launches = fleet.launched.stream()
                .filter(l -> l.endpointName().equals("warm")).sorted(Comparator.comparing(FleetProvider.LaunchRequest::instanceId))
                .toList();
        assertThat(launches).hasSize(2);
        launches.forEach(this::register);
        // The instance last by id is the warm one, so id order alone would choose the other.
        FleetProvider.LaunchRequest cold = launches.get(0);
        FleetProvider.LaunchRequest warm = launches.get(1);
        CacheInventory holds = new CacheInventory(List.of(new Held(Fixtures.IMAGE, IMAGE_BYTES)),
                List.of(new Held(Fixtures.MODEL, MODEL_BYTES)));
        heartbeat(warm, new Heartbeat(List.of(), IMAGE_BYTES + MODEL_BYTES, holds));
        assertThat(InventoryJson.read(instances.find(warm.instanceId()).block().inventoryJson())).isEqualTo(holds);
        // A heartbeat that does not say what the instance holds keeps what it said before.
        heartbeat(warm, new Heartbeat(List.of(), null, null));
        assertThat(InventoryJson.read(instances.find(warm.instanceId()).block().inventoryJson())).isEqualTo(holds);
        reconciler.reconcileOnce();

        post("/v1/inference-components", Fixtures.component("warm-ic", "warm", 1, 1, "{}"));
        reconciler.reconcileOnce();

        Map<?, ?> placement = onlyPlacement("warm-ic");
        assertThat(placement.get("instanceId")).isEqualTo(warm.instanceId());
        assertThat(placement.get("status")).isEqualTo("Pending");
        assertThat(placement.get("placedAt")).isNotNull();
        assertThat(placement.get("reason"))
                .isEqualTo("holds 337 MB of the 337 MB this copy needs, the most of 2 instances that fit");
        assertThat(placement.get("note")).isNull();
        assertThat(((Number) placement.get("neededBytes")).longValue()).isEqualTo(IMAGE_BYTES + MODEL_BYTES);
        List<?> candidates = (List<?>) placement.get("candidates");
        assertThat(candidates).hasSize(2);
        Map<String, Object> first = map(candidates.get(0));
        Map<String, Object> second = map(candidates.get(1));
        assertThat(first).containsEntry("instanceId", warm.instanceId()).containsEntry("fits", true)
                .containsEntry("rank", 1).containsEntry("copiesOfComponent", 0);
        assertThat(first.get("whyNot")).isNull();
        assertThat(((Number) first.get("warmBytes")).longValue()).isEqualTo(IMAGE_BYTES + MODEL_BYTES);
        assertThat(map(first.get("free"))).containsEntry("acceleratorDevices", 4).containsEntry("memoryMb", 196_608);
        assertThat(second).containsEntry("instanceId", cold.instanceId()).containsEntry("rank", 2)
                .containsEntry("warmBytes", 0);
        assertThat((List<?>) placement.get("blobs")).isEmpty();
        assertThat((List<?>) placement.get("tierTotals")).isEmpty();

        // The agent reports the start: which tier served each blob of the image and each object of the model.
        String copyId = (String) placement.get("copyId");
        Instant now = Instant.now();
        CopyStartup startup = new CopyStartup(List.of(), List.of(), List.of(), List.of(
                new CopyStartup.BlobSource(CopyStartup.IMAGE, "sha256:" + "a".repeat(64), 1_000, "local", 0),
                new CopyStartup.BlobSource(CopyStartup.IMAGE, "sha256:" + "b".repeat(64), 2_000, "local", 0),
                new CopyStartup.BlobSource(CopyStartup.MODEL, Fixtures.MODEL, 3_000, "peer", 1.5)), List.of());
        heartbeat(warm, new Heartbeat(List.of(new CopyReport(copyId, CopyState.InService, "http://127.0.0.1:9/m", null,
                now, startup)), null, null));

        placement = onlyPlacement("warm-ic");
        assertThat(placement.get("status")).isEqualTo("InService");
        assertThat(list(placement.get("blobs"))).containsExactly(
                Map.of("artifact", "image", "id", "sha256:" + "a".repeat(64), "tier", "local", "bytes", 1_000, "seconds", 0.0),
                Map.of("artifact", "image", "id", "sha256:" + "b".repeat(64), "tier", "local", "bytes", 2_000, "seconds", 0.0),
                Map.of("artifact", "model", "id", Fixtures.MODEL, "tier", "peer", "bytes", 3_000, "seconds", 1.5));
        assertThat(list(placement.get("tierTotals"))).containsExactly(
                Map.of("artifact", "image", "tier", "local", "blobs", 2, "bytes", 3_000, "seconds", 0.0),
                Map.of("artifact", "model", "tier", "peer", "blobs", 1, "bytes", 3_000, "seconds", 1.5));
    }

    @Test
    void copiesArePagedAndOnePlacedBeforePlacementsWereKeptSaysSo() {
        post("/v1/endpoint-configs", Fixtures.config("paged-cfg", "ml.g5.12xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("paged", "paged-cfg"));
        reconciler.reconcileOnce();
        FleetProvider.LaunchRequest only = fleet.launched.stream().filter(l -> l.endpointName().equals("paged"))
                .findFirst().orElseThrow();
        register(only);
        reconciler.reconcileOnce();
        post("/v1/inference-components", Fixtures.component("paged-ic", "paged", 1, 1, "{}"));
        reconciler.reconcileOnce();
        // A copy as placed before V4: no explanation stored. Its id sorts before any the reconciler makes.
        copies.insert(new Copy("kc-0000000000000000", "paged-ic", only.instanceId(), 1, 1, 1000, 2048,
                CopyStatus.Pending, null, null, Instant.now(), null, null)).block();

        Map<?, ?> page = client().get().uri("/v1/inference-components/paged-ic/placements?maxResults=1").exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        List<?> items = (List<?>) page.get("items");
        assertThat(items).hasSize(1);
        Map<?, ?> old = (Map<?, ?>) items.getFirst();
        assertThat(old.get("copyId")).isEqualTo("kc-0000000000000000");
        assertThat(old.get("reason")).isNull();
        assertThat((String) old.get("note")).startsWith("placement not recorded");
        assertThat((List<?>) old.get("candidates")).isEmpty();
        assertThat(page.get("nextToken")).isNotNull();

        Map<?, ?> rest = client().get().uri(b -> b.path("/v1/inference-components/paged-ic/placements")
                        .queryParam("maxResults", 1).queryParam("nextToken", page.get("nextToken")).build())
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        Map<?, ?> placed = (Map<?, ?>) ((List<?>) rest.get("items")).getFirst();
        assertThat(placed.get("instanceId")).isEqualTo(only.instanceId());
        assertThat(placed.get("reason")).isEqualTo("the only instance, and it has room for it");
        assertThat(rest.get("nextToken")).isNull();
    }

    @Test
    void anUnknownComponentIsNotFoundAndABadPageSizeIsRefused() {
        client().get().uri("/v1/inference-components/nobody/placements").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404)
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("nobody"));
        client().get().uri("/v1/inference-components/nobody/placements?maxResults=0").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("maxResults"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    private Map<?, ?> onlyPlacement(String component) {
        Map<?, ?> page = client().get().uri("/v1/inference-components/" + component + "/placements").exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        List<?> items = (List<?>) page.get("items");
        assertThat(items).hasSize(1);
        assertThat(page.get("nextToken")).isNull();
        return (Map<?, ?>) items.getFirst();
    }

    /** Registers a launched instance as its agent would, with its launch secret when it was given one. */
    private void register(FleetProvider.LaunchRequest l) {
        agentCall(l, AgentPaths.register(l.instanceId()))
                .bodyValue(new Registration(l.instanceType().name(), "http://127.0.0.1:9/" + l.instanceId(), l.endpointName()))
                .exchange().expectStatus().is2xxSuccessful();
    }

    private void heartbeat(FleetProvider.LaunchRequest l, Heartbeat hb) {
        agentCall(l, AgentPaths.heartbeat(l.instanceId())).bodyValue(hb)
                .exchange().expectStatus().isOk();
    }

    private WebTestClient.RequestBodySpec agentCall(FleetProvider.LaunchRequest l, String path) {
        WebTestClient.RequestBodySpec spec = client().post().uri(path).contentType(MediaType.APPLICATION_JSON);
        return l.instanceSecret() == null ? spec : spec.header(AgentPaths.AUTHORIZATION, AgentPaths.bearer(l.instanceSecret()));
    }
}
