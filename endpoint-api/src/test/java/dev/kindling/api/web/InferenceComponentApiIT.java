package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Inference components through the REST API on the local fleet: copies placed on emulated instances with their
 * resources accounted, copy count changes, failures with reasons, deletion, and concurrent updates.
 */
class InferenceComponentApiIT extends ApiTestSupport {

    private void endpoint(String name, String instanceType, int instances) {
        post("/v1/endpoint-configs", Fixtures.config(name + "-cfg", instanceType, instances));
        post("/v1/endpoints", Fixtures.endpoint(name, name + "-cfg"));
    }

    @Test
    void copiesArePlacedOnInstancesWithTheirResourcesAccountedAndServeInvocations() {
        endpoint("place", "ml.g5.12xlarge", 2);
        client().post().uri("/v1/inference-components").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.component("llm", "place", 2, 3, "{}")).exchange()
                .expectStatus().isCreated()
                .expectHeader().valueEquals("Location", "/v1/inference-components/llm")
                .expectBody().jsonPath("$.inferenceComponentStatus").isEqualTo("Creating")
                .jsonPath("$.runtimeConfig.desiredCopyCount").isEqualTo(3)
                .jsonPath("$.specification.startupParameters.containerStartupHealthCheckTimeoutInSeconds").isEqualTo(600);
        awaitComponent("llm", "InService", 3);

        List<Map<String, Object>> copies = copies("llm");
        assertThat(copies).hasSize(3).allSatisfy(c -> {
            assertThat(c.get("status")).isEqualTo("InService");
            assertThat((String) c.get("modelServerUrl")).startsWith("http://127.0.0.1:");
        });
        // Four accelerators per ml.g5.12xlarge and two per copy: two copies fit on one, so both instances are used.
        Map<?, ?> instances = client().get().uri("/v1/instances?endpointNameEquals=place&statusEquals=InService")
                .exchange().expectBody(Map.class).returnResult().getResponseBody();
        int allocated = 0;
        for (Object o : (List<?>) instances.get("items")) {
            Map<?, ?> i = (Map<?, ?>) o;
            int acc = (Integer) ((Map<?, ?>) i.get("allocated")).get("acceleratorDevices");
            assertThat(acc).isLessThanOrEqualTo((Integer) ((Map<?, ?>) i.get("capacity")).get("acceleratorDevices"));
            assertThat(((List<?>) i.get("copyIds")).size() * 2).isEqualTo(acc);
            allocated += acc;
        }
        assertThat(allocated).isEqualTo(6);

        String url = (String) copies.getFirst().get("modelServerUrl");
        WebTestClient.bindToServer().baseUrl(url).build().post().uri("/invocations")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"inputs\":\"hello\"}").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.component").isEqualTo("llm")
                .jsonPath("$.echo").isEqualTo("{\"inputs\":\"hello\"}");
        WebTestClient.bindToServer().baseUrl(url).build().get().uri("/ping").exchange().expectStatus().isOk();
    }

    @Test
    void copyCountUpdatesGoThroughUpdatingAndScaleBothWays() {
        endpoint("scale", "ml.g5.12xlarge", 1);
        post("/v1/inference-components", Fixtures.component("sc", "scale", 1, 1, "{}"));
        awaitComponent("sc", "InService", 1);
        client().put().uri("/v1/inference-components/sc/runtime-config").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"copyCount\":4}").exchange().expectStatus().isAccepted()
                .expectBody().jsonPath("$.inferenceComponentStatus").isEqualTo("Updating")
                .jsonPath("$.runtimeConfig.desiredCopyCount").isEqualTo(4);
        awaitComponent("sc", "InService", 4);
        client().put().uri("/v1/inference-components/sc/runtime-config").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"copyCount\":0}").exchange().expectStatus().isAccepted();
        awaitComponent("sc", "InService", 0);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> copies("sc").isEmpty());
    }

    @Test
    void aCopyThatCannotStartFailsTheComponentWithItsReason() {
        endpoint("broken", "ml.g5.xlarge", 1);
        post("/v1/inference-components", Fixtures.component("crashy", "broken", 1, 1,
                "{\"KINDLING_EMULATED_EXIT_ON_START\":\"CUDA error: out of memory\"}"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/inference-components/crashy").exchange().expectBody()
                        .jsonPath("$.inferenceComponentStatus").isEqualTo("Failed")
                        .jsonPath("$.failureReason").value(r -> assertThat((String) r)
                                .contains("failed to start").contains("CUDA error: out of memory")));

        // Fixing the specification retries it.
        client().put().uri("/v1/inference-components/crashy").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("""
                        {"specification":{"container":{"image":"repo/model:2"},
                          "computeResourceRequirements":{"numberOfAcceleratorDevicesRequired":1,"minMemoryRequiredInMb":2048}}}""")
                .exchange().expectStatus().isAccepted()
                .expectBody().jsonPath("$.inferenceComponentStatus").isEqualTo("Updating");
        awaitComponent("crashy", "InService", 1);
    }

    @Test
    void deleteStopsCopiesAndRemovesTheComponent() {
        endpoint("del", "ml.g5.xlarge", 1);
        post("/v1/inference-components", Fixtures.component("gone", "del", 1, 1, "{}"));
        awaitComponent("gone", "InService", 1);
        client().delete().uri("/v1/inference-components/gone").exchange().expectStatus().isAccepted();
        client().put().uri("/v1/inference-components/gone/runtime-config").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"copyCount\":2}").exchange().expectStatus().isEqualTo(409);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/inference-components/gone").exchange().expectStatus().isNotFound());
        client().get().uri("/v1/instances?endpointNameEquals=del").exchange().expectBody()
                .jsonPath("$.items[0].copyIds.length()").isEqualTo(0)
                .jsonPath("$.items[0].allocated.acceleratorDevices").isEqualTo(0);
    }

    @Test
    void concurrentUpdatesNeverLoseEachOther() {
        endpoint("conc", "ml.g5.12xlarge", 1);
        post("/v1/inference-components", Fixtures.component("cc", "conc", 0, 1, "{}"));
        WebTestClient c = client();
        // Without If-Match, a spec update and a copy count update racing both land: neither undoes the other.
        IntStream.range(0, 6).parallel().forEach(i -> {
            if (i % 2 == 0) {
                c.put().uri("/v1/inference-components/cc/runtime-config").contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"copyCount\":3}").exchange().expectStatus().isAccepted();
            } else {
                c.put().uri("/v1/inference-components/cc").contentType(MediaType.APPLICATION_JSON).bodyValue("""
                        {"specification":{"container":{"image":"repo/model:7","environment":{"K":"v"}},
                          "computeResourceRequirements":{"minMemoryRequiredInMb":1024}}}""")
                        .exchange().expectStatus().isAccepted();
            }
        });
        client().get().uri("/v1/inference-components/cc").exchange().expectBody()
                .jsonPath("$.runtimeConfig.desiredCopyCount").isEqualTo(3)
                .jsonPath("$.specification.container.image").isEqualTo("repo/model:7");

        // With the same If-Match, exactly one of many writers wins; the rest get 412.
        String etag = client().get().uri("/v1/inference-components/cc").exchange().returnResult(String.class)
                .getResponseHeaders().getETag();
        List<Integer> statuses = IntStream.range(0, 8).parallel().mapToObj(i ->
                c.put().uri("/v1/inference-components/cc/runtime-config").header("If-Match", etag)
                        .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"copyCount\":" + (i + 4) + "}")
                        .exchange().returnResult(String.class).getStatus().value()).toList();
        assertThat(statuses).filteredOn(s -> s == 202).hasSize(1);
        assertThat(statuses).filteredOn(s -> s != 202).containsOnly(412);
    }
}
