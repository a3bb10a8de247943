package dev.kindling.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.s3.EmbeddedS3;
import dev.kindling.db.DatabaseSettings;
import dev.kindling.db.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A control-plane restart loses nothing: endpoints, configs, components and instances come back from PostgreSQL,
 * images and models from the embedded registry's and S3 store's directories, and the reconciler replaces the
 * instances that died with the old process and places their copies again (which pull their image and model anew).
 */
class RestartIT {

    private final DatabaseSettings db = TestDatabases.fresh();
    private final java.nio.file.Path registryData = ApiTestSupport.temporaryDirectory("kindling-registry-");
    private final java.nio.file.Path s3Data = ApiTestSupport.temporaryDirectory("kindling-s3-");
    private final java.nio.file.Path disks = ApiTestSupport.temporaryDirectory("kindling-fleet-");

    private ConfigurableApplicationContext start() {
        // Command-line arguments, as a user would pass them; they win over application.yaml.
        return new SpringApplicationBuilder(KindlingApplication.class).run(
                "--server.port=0",
                "--kindling.database.url=" + db.url(),
                "--kindling.database.username=" + db.username(),
                "--kindling.database.password=" + db.password(),
                "--kindling.registry.embedded.data-directory=" + registryData,
                "--kindling.s3.embedded.data-directory=" + s3Data,
                "--kindling.s3.embedded.port=0",
                "--kindling.fleet.local.data-directory=" + disks,
                "--kindling.fleet.local.time-scale=0",
                "--kindling.fleet.local.heartbeat-interval-millis=100",
                "--kindling.reconciler.interval-millis=50",
                "--kindling.reconciler.heartbeat-timeout-millis=1500",
                "--logging.level.dev.kindling=warn");
    }

    private static WebTestClient client(ConfigurableApplicationContext app) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:"
                + app.getEnvironment().getProperty("local.server.port")).responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void aRestartRecoversEverythingAndReconcilesTheFleet() {
        List<String> instancesBefore;
        String etagBefore;
        try (ConfigurableApplicationContext first = start()) {
            WebTestClient c = client(first);
            ApiTestSupport.seed(c, first.getBean(EmbeddedS3.class).endpoint());
            c.post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Fixtures.config("cfg", "ml.g5.xlarge", 2)).exchange().expectStatus().isCreated();
            c.post().uri("/v1/endpoints").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Fixtures.endpoint("ep", "cfg")).exchange().expectStatus().isCreated();
            c.post().uri("/v1/inference-components").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Fixtures.component("model", "ep", 1, 2, "{}")).exchange().expectStatus().isCreated();
            c.put().uri("/v1/inference-components/model/scaling-target").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"minCapacity\":1,\"maxCapacity\":4}").exchange().expectStatus().isOk();
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    c.get().uri("/v1/inference-components/model").exchange().expectBody()
                            .jsonPath("$.inferenceComponentStatus").isEqualTo("InService")
                            .jsonPath("$.runtimeConfig.currentCopyCount").isEqualTo(2));
            instancesBefore = instanceIds(c, "InService");
            etagBefore = c.get().uri("/v1/inference-components/model").exchange().returnResult(String.class)
                    .getResponseHeaders().getETag();
        }

        try (ConfigurableApplicationContext second = start()) {
            WebTestClient c = client(second);
            c.get().uri("/v1/endpoint-configs/cfg").exchange().expectStatus().isOk();
            c.get().uri("/v1/endpoints/ep").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.endpointStatus").isEqualTo("InService");
            c.get().uri("/v1/inference-components/model").exchange().expectStatus().isOk()
                    .expectHeader().valueEquals("ETag", etagBefore);
            c.get().uri("/v1/inference-components/model/scaling-target").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.maxCapacity").isEqualTo(4);
            assertThat(instanceIds(c, null)).containsAll(instancesBefore);

            // The emulated instances died with the first process: they are replaced and the copies placed again.
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(instanceIds(c, "InService")).hasSize(2).doesNotContainAnyElementsOf(instancesBefore);
                c.get().uri("/v1/inference-components/model").exchange().expectBody()
                        .jsonPath("$.runtimeConfig.currentCopyCount").isEqualTo(2);
            });
            for (String old : instancesBefore) {
                c.get().uri("/v1/instances/" + old).exchange().expectBody()
                        .jsonPath("$.status").isEqualTo("Terminated")
                        .jsonPath("$.failureReason").value(r -> assertThat((String) r).contains("missed heartbeats"));
            }
        }
    }

    private static List<String> instanceIds(WebTestClient c, String status) {
        Map<?, ?> page = c.get().uri("/v1/instances?maxResults=100&endpointNameEquals=ep"
                        + (status == null ? "" : "&statusEquals=" + status))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return ((List<?>) page.get("items")).stream().map(i -> (String) ((Map<?, ?>) i).get("instanceId")).toList();
    }
}
