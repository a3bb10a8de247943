package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/**
 * The data path through the REST API on the local fleet: a copy on a new instance pulls its image from the embedded
 * registry (named as an ECR image) and its model from the embedded S3 store; a second copy on the same instance
 * finds both on the instance's disk. Each copy's start is shown phase by phase with the tiers that served it, and
 * exported as Prometheus metrics. A copy whose image or model cannot be had fails with a reason naming it.
 */
class DataPathApiIT extends ApiTestSupport {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> startup(Map<String, Object> copy) {
        return (Map<String, Object>) copy.get("startup");
    }

    @SuppressWarnings("unchecked")
    private static List<String> tiers(Map<String, Object> copy, String artifact) {
        return ((List<Map<String, Object>>) startup(copy).get("tiers")).stream()
                .filter(t -> artifact.equals(t.get("artifact"))).map(t -> (String) t.get("tier")).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aColdCopyPullsFromRegistryAndS3AndAWarmOneFromItsInstance() {
        post("/v1/endpoint-configs", Fixtures.config("dp-cfg", "ml.g5.12xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("dp", "dp-cfg"));
        post("/v1/inference-components", Fixtures.component("dp-llm", "dp", 1, 1, "{}"));
        awaitComponent("dp-llm", "InService", 1);

        Map<String, Object> cold = copies("dp-llm").getFirst();
        List<Map<String, Object>> phases = (List<Map<String, Object>>) startup(cold).get("phases");
        assertThat(phases).extracting(p -> p.get("name"))
                .containsExactly("image", "model", "container-start", "health-check");
        assertThat(phases).allSatisfy(p -> assertThat(p.get("endedAt")).isNotNull());
        assertThat(phases.getFirst().get("bytesTotal")).isEqualTo(phases.getFirst().get("bytesDone"));
        assertThat(tiers(cold, "image")).containsExactly("registry");
        assertThat(tiers(cold, "model")).containsExactly("s3");
        // The model server was started with the model the agent downloaded and unpacked.
        client().mutate().baseUrl((String) cold.get("modelServerUrl")).build().post().uri("/invocations")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.model.files").isEqualTo(1).jsonPath("$.model.bytes").isEqualTo(100_000);

        client().put().uri("/v1/inference-components/dp-llm/runtime-config").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"copyCount\":2}").exchange().expectStatus().isAccepted();
        awaitComponent("dp-llm", "InService", 2);
        Map<String, Object> warm = copies("dp-llm").stream().filter(c -> !c.get("copyId").equals(cold.get("copyId")))
                .findFirst().orElseThrow();
        assertThat(warm.get("instanceId")).isEqualTo(cold.get("instanceId"));
        assertThat(tiers(warm, "image")).containsExactly("local");
        assertThat(tiers(warm, "model")).containsExactly("local");

        String metrics = client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).containsPattern(
                "kindling_copy_start_phase_seconds_count\\{[^}]*component=\"dp-llm\"[^}]*phase=\"image\"[^}]*} 2");
        assertThat(metrics).containsPattern(
                "kindling_cache_tier_hits_total\\{[^}]*artifact=\"image\"[^}]*component=\"dp-llm\"[^}]*tier=\"registry\"[^}]*} 2");
        assertThat(metrics).containsPattern(
                "kindling_cache_tier_bytes_total\\{[^}]*artifact=\"model\"[^}]*component=\"dp-llm\"[^}]*tier=\"local\"[^}]*} ");
        assertThat(metrics).containsPattern("kindling_copy_start_seconds_count\\{[^}]*outcome=\"InService\"[^}]*} 2");
    }

    @Test
    void aCopyWhoseImageIsMissingFailsWithAReasonNamingTheImage() {
        post("/v1/endpoint-configs", Fixtures.config("dp-miss-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("dp-miss", "dp-miss-cfg"));
        post("/v1/inference-components", Fixtures.component("dp-missing", "dp-miss", 1, 1, "{}")
                .replace(Fixtures.IMAGE, "absent/server:9"));

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/inference-components/dp-missing").exchange().expectBody()
                        .jsonPath("$.inferenceComponentStatus").isEqualTo("Failed")
                        .jsonPath("$.failureReason").value(r -> assertThat((String) r)
                                .contains("image 127.0.0.1:" + port + "/absent/server:9").contains("404")));
    }

    @Test
    void aCopyWhoseModelIsMissingFailsWithAReasonNamingTheModel() {
        post("/v1/endpoint-configs", Fixtures.config("dp-nom-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("dp-nom", "dp-nom-cfg"));
        post("/v1/inference-components", Fixtures.component("dp-no-model", "dp-nom", 1, 1, "{}")
                .replace(Fixtures.MODEL, "s3://models/absent/model.tar.gz"));

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/inference-components/dp-no-model").exchange().expectBody()
                        .jsonPath("$.inferenceComponentStatus").isEqualTo("Failed")
                        .jsonPath("$.failureReason").value(r -> assertThat((String) r)
                                .contains("model s3://models/absent/model.tar.gz")));
    }
}
