package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import dev.kindling.api.router.CapacityDemand;
import dev.kindling.api.router.CopyServedListener;
import dev.kindling.api.router.RoutingTable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The limits on held requests, set small here: past the queue's size a request gets 429 at once, and a request
 * held past the timeout gets 503; both as problem documents with Retry-After, never a hang. Held requests ask the
 * scaler's {@link CapacityDemand} for capacity, and a copy's first answer is reported to the {@link CopyServedListener}.
 */
@TestPropertySource(properties = {"kindling.router.held-queue-size=2", "kindling.router.held-timeout-millis=4000"})
class HeldInvocationLimitsIT extends ApiTestSupport {

    private static final List<String> DEMANDED = new CopyOnWriteArrayList<>();
    private static final List<String> SERVED = new CopyOnWriteArrayList<>();

    /** Stand-ins for the scaler's beans, recording what the router tells them. */
    @TestConfiguration
    static class Recorders {
        @Bean
        @Primary
        CapacityDemand recordingDemand() {
            return (endpoint, component) -> DEMANDED.add(endpoint + "/" + component);
        }

        @Bean
        @Primary
        CopyServedListener recordingServed() {
            return (copy, at) -> SERVED.add(copy);
        }
    }

    @Autowired
    private RoutingTable routingTable;

    private CompletableFuture<ResponseEntity<String>> invokeLater(String endpoint, String component) {
        return WebClient.builder().baseUrl("http://127.0.0.1:" + port).build().post()
                .uri("/v1/endpoints/{e}/invocations", endpoint).header("X-Amzn-SageMaker-Inference-Component", component)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchangeToMono(r -> r.toEntity(String.class)).toFuture();
    }

    private String scrape() {
        return client().get().uri("/actuator/prometheus").exchange().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void pastTheQueueSizeARequestGets429AndARequestHeldTooLongGets503() throws Exception {
        post("/v1/endpoint-configs", Fixtures.config("lim-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("lim", "lim-cfg"));
        post("/v1/inference-components", Fixtures.component("lim-ic", "lim", 0, 0, "{}"));
        routingTable.refresh().block(Duration.ofSeconds(10));

        CompletableFuture<ResponseEntity<String>> first = invokeLater("lim", "lim-ic");
        CompletableFuture<ResponseEntity<String>> second = invokeLater("lim", "lim-ic");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> scrape().contains(
                "kindling_held_requests{application=\"kindling\",component=\"lim-ic\",endpoint=\"lim\"} 2.0"));
        assertThat(DEMANDED).contains("lim/lim-ic");

        client().post().uri("/v1/endpoints/lim/invocations").header("X-Amzn-SageMaker-Inference-Component", "lim-ic")
                .bodyValue("{}").exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("Retry-After", "1")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/too-many-requests")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("lim-ic", "lim", "2 requests"));
        client().post().uri("/endpoints/lim/invocations").header("X-Amzn-SageMaker-Inference-Component", "lim-ic")
                .bodyValue("{}").exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("x-amzn-ErrorType", "ThrottlingException")
                .expectBody().jsonPath("$.message").value(m -> assertThat((String) m).contains("2 requests"));

        for (CompletableFuture<ResponseEntity<String>> held : List.of(first, second)) {
            ResponseEntity<String> r = held.get(60, TimeUnit.SECONDS);
            assertThat(r.getStatusCode().value()).isEqualTo(503);
            assertThat(r.getHeaders().getFirst("Retry-After")).isNotBlank();
            assertThat(r.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(r.getBody()).contains("https://kindling.dev/problems/no-capacity", "lim-ic", "waited");
        }
        assertThat(scrape().lines().filter(l -> l.startsWith("kindling_invocation_no_capacity_total{")
                && l.contains("component=\"lim-ic\""))).contains(
                "kindling_invocation_no_capacity_total{application=\"kindling\",component=\"lim-ic\",endpoint=\"lim\","
                        + "reason=\"queue_full\"} 2.0",
                "kindling_invocation_no_capacity_total{application=\"kindling\",component=\"lim-ic\",endpoint=\"lim\","
                        + "reason=\"timeout\"} 2.0");
    }

    @Test
    void aCopysFirstAnswerIsReportedOnce() {
        post("/v1/endpoint-configs", Fixtures.config("first-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("first", "first-cfg"));
        post("/v1/inference-components", Fixtures.component("first-ic", "first", 0, 1, "{}"));
        awaitComponent("first-ic", "InService", 1);
        routingTable.refresh().block(Duration.ofSeconds(10));
        String copy = (String) copies("first-ic").getFirst().get("copyId");

        for (int i = 0; i < 3; i++) {
            client().post().uri("/endpoints/first/invocations").bodyValue("{}").exchange().expectStatus().isOk();
        }
        assertThat(SERVED).containsOnlyOnce(copy);
    }
}
