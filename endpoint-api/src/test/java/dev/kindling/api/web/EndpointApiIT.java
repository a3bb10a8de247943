package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Endpoint configs and endpoints through the REST API, on the local fleet: every call and the status machine. */
class EndpointApiIT extends ApiTestSupport {

    private void awaitEndpointStatus(String name, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/endpoints/" + name).exchange().expectStatus().isOk()
                        .expectBody().jsonPath("$.endpointStatus").isEqualTo(status));
    }

    @Test
    void endpointConfigCreateDescribeDeleteAndConflicts() {
        client().post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.config("cfg-a", "ml.g5.xlarge", 1)).exchange()
                .expectStatus().isCreated()
                .expectHeader().valueEquals("Location", "/v1/endpoint-configs/cfg-a")
                .expectBody()
                .jsonPath("$.endpointConfigName").isEqualTo("cfg-a")
                .jsonPath("$.productionVariants[0].routingStrategy").isEqualTo("LEAST_OUTSTANDING_REQUESTS")
                .jsonPath("$.creationTime").exists();
        client().post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.config("cfg-a", "ml.g5.xlarge", 2)).exchange()
                .expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/already-exists");
        client().get().uri("/v1/endpoint-configs/cfg-a").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.productionVariants[0].initialInstanceCount").isEqualTo(1);

        post("/v1/endpoints", Fixtures.endpoint("uses-a", "cfg-a"));
        client().delete().uri("/v1/endpoint-configs/cfg-a").exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("uses-a"));
        client().delete().uri("/v1/endpoints/uses-a").exchange().expectStatus().isAccepted();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/endpoints/uses-a").exchange().expectStatus().isNotFound());
        client().delete().uri("/v1/endpoint-configs/cfg-a").exchange().expectStatus().isNoContent();
        client().get().uri("/v1/endpoint-configs/cfg-a").exchange().expectStatus().isNotFound();
        client().delete().uri("/v1/endpoint-configs/cfg-a").exchange().expectStatus().isNotFound();
    }

    @Test
    void endpointGoesCreatingInServiceUpdatingInServiceDeleting() {
        post("/v1/endpoint-configs", Fixtures.config("life-1", "ml.g5.xlarge", 2));
        post("/v1/endpoint-configs", Fixtures.config("life-2", "ml.g5.2xlarge", 1));
        client().post().uri("/v1/endpoints").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.endpoint("life", "life-1")).exchange()
                .expectStatus().isCreated()
                .expectHeader().exists("ETag")
                .expectBody().jsonPath("$.endpointStatus").isEqualTo("Creating")
                .jsonPath("$.productionVariants[0].desiredInstanceCount").isEqualTo(2);
        awaitEndpointStatus("life", "InService");
        client().get().uri("/v1/endpoints/life").exchange().expectBody()
                .jsonPath("$.productionVariants[0].currentInstanceCount").isEqualTo(2);
        client().get().uri("/v1/instances?endpointNameEquals=life&statusEquals=InService").exchange().expectBody()
                .jsonPath("$.items.length()").isEqualTo(2)
                .jsonPath("$.items[0].capacity.acceleratorDevices").isEqualTo(1);

        client().put().uri("/v1/endpoints/life").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"endpointConfigName\":\"life-2\"}").exchange()
                .expectStatus().isAccepted()
                .expectBody().jsonPath("$.endpointStatus").isEqualTo("Updating");
        client().put().uri("/v1/endpoints/life").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"endpointConfigName\":\"life-1\"}").exchange()
                .expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("Updating"));
        awaitEndpointStatus("life", "InService");
        client().get().uri("/v1/instances?endpointNameEquals=life&statusEquals=InService").exchange().expectBody()
                .jsonPath("$.items.length()").isEqualTo(1)
                .jsonPath("$.items[0].instanceType").isEqualTo("ml.g5.2xlarge");

        client().delete().uri("/v1/endpoints/life").exchange().expectStatus().isAccepted();
        client().get().uri("/v1/endpoints/life").exchange().expectBody()
                .jsonPath("$.endpointStatus").isEqualTo("Deleting");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/endpoints/life").exchange().expectStatus().isNotFound());
        client().get().uri("/v1/instances?endpointNameEquals=life").exchange().expectBody()
                .jsonPath("$.items.length()").isEqualTo(0);
    }

    @Test
    void listsPaginateInNameOrderAndFilter() {
        post("/v1/endpoint-configs", Fixtures.config("page-cfg", "ml.m5.large", 1));
        for (String n : List.of("page-e", "page-a", "page-d", "page-c", "page-b")) {
            post("/v1/endpoints", Fixtures.endpoint(n, "page-cfg"));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String uri = "/v1/endpoints?maxResults=2&nameContains=PAGE-" + (token == null ? "" : "&nextToken=" + token);
            Map<?, ?> page = client().get().uri(uri).exchange().expectStatus().isOk()
                    .expectBody(Map.class).returnResult().getResponseBody();
            ((List<?>) page.get("items")).forEach(i -> seen.add((String) ((Map<?, ?>) i).get("endpointName")));
            token = (String) page.get("nextToken");
            pages++;
        } while (token != null);
        assertThat(seen).containsExactly("page-a", "page-b", "page-c", "page-d", "page-e");
        assertThat(pages).isEqualTo(3);

        awaitEndpointStatus("page-e", "InService");
        client().get().uri("/v1/endpoints?nameContains=page-&statusEquals=InService&maxResults=100").exchange()
                .expectBody().jsonPath("$.items[?(@.endpointName == 'page-e')]").exists()
                .jsonPath("$.items[?(@.endpointStatus != 'InService')]").doesNotExist();
        client().get().uri("/v1/endpoints?nameContains=zzz").exchange().expectBody()
                .jsonPath("$.items.length()").isEqualTo(0).jsonPath("$.nextToken").doesNotExist();
    }

    @Test
    void concurrentUpdatesWithTheSameEtagLetExactlyOneWin() {
        post("/v1/endpoint-configs", Fixtures.config("race-1", "ml.m5.large", 1));
        post("/v1/endpoint-configs", Fixtures.config("race-2", "ml.m5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("race", "race-1"));
        awaitEndpointStatus("race", "InService");
        String etag = client().get().uri("/v1/endpoints/race").exchange().returnResult(String.class)
                .getResponseHeaders().getETag();

        WebTestClient c = client();
        List<Integer> statuses = java.util.stream.IntStream.range(0, 8).parallel().mapToObj(i ->
                c.put().uri("/v1/endpoints/race").header("If-Match", etag).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"endpointConfigName\":\"race-2\"}").exchange().returnResult(String.class)
                        .getStatus().value()).toList();
        assertThat(statuses).filteredOn(s -> s == 202).hasSize(1);
        assertThat(statuses).filteredOn(s -> s != 202).allSatisfy(s -> assertThat(s).isIn(409, 412));
        client().put().uri("/v1/endpoints/race").header("If-Match", etag).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"endpointConfigName\":\"race-1\"}").exchange().expectStatus().isEqualTo(412)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/precondition-failed");
    }
}
