package dev.kindling.api.web;

import dev.kindling.api.ApiTestSupport;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class SmokeIT extends ApiTestSupport {

    @Test
    void endpointBecomesInService() {
        client().post().uri("/v1/endpoint-configs").header("Content-Type", "application/json")
                .bodyValue("{\"endpointConfigName\":\"c1\",\"productionVariants\":[{\"variantName\":\"AllTraffic\","
                        + "\"instanceType\":\"ml.g5.xlarge\",\"initialInstanceCount\":1}]}")
                .exchange().expectStatus().isCreated();
        client().post().uri("/v1/endpoints").header("Content-Type", "application/json")
                .bodyValue("{\"endpointName\":\"e1\",\"endpointConfigName\":\"c1\"}")
                .exchange().expectStatus().isCreated();
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                client().get().uri("/v1/endpoints/e1").exchange().expectStatus().isOk()
                        .expectBody().jsonPath("$.endpointStatus").isEqualTo("InService"));
    }
}
