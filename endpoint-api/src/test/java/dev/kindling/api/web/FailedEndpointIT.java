package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

/** An endpoint the fleet cannot launch goes Failed with the fleet's reason, and can be updated out of it. */
@TestPropertySource(properties = "kindling.fleet.local.max-instances=2")
class FailedEndpointIT extends ApiTestSupport {

    @Test
    void endpointFailsWhenTheFleetRunsOutOfCapacityAndRecoversByUpdate() {
        for (String body : new String[] {Fixtures.config("too-big", "ml.g5.xlarge", 3), Fixtures.config("fits", "ml.g5.xlarge", 1)}) {
            client().post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                    .exchange().expectStatus().isCreated();
        }
        client().post().uri("/v1/endpoints").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.endpoint("greedy", "too-big")).exchange().expectStatus().isCreated();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/endpoints/greedy").exchange().expectBody()
                        .jsonPath("$.endpointStatus").isEqualTo("Failed")
                        .jsonPath("$.failureReason").value(r -> assertThat((String) r)
                                .contains("InsufficientCapacity").contains("kindling.fleet.local.max-instances")));

        client().put().uri("/v1/endpoints/greedy").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"endpointConfigName\":\"fits\"}").exchange().expectStatus().isAccepted();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/endpoints/greedy").exchange().expectBody()
                        .jsonPath("$.endpointStatus").isEqualTo("InService")
                        .jsonPath("$.failureReason").doesNotExist()
                        .jsonPath("$.productionVariants[0].currentInstanceCount").isEqualTo(1));
    }
}
