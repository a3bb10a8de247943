package dev.kindling.api.web;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** Scalable targets and scaling policies through the REST API: register, describe, list, replace, delete. */
class ScalingApiIT extends ApiTestSupport {

    private static final String IC = "/v1/inference-components/sc-ic";
    private static final String METRIC = "\"predefinedMetricSpecification\":{\"predefinedMetricType\":"
            + "\"SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution\"}";

    @Test
    void targetsAndPoliciesLiveAndDieWithTheirComponent() {
        for (String[] r : new String[][] {{"/v1/endpoint-configs", Fixtures.config("sc-cfg", "ml.g5.xlarge", 1)},
                {"/v1/endpoints", Fixtures.endpoint("sc-ep", "sc-cfg")},
                {"/v1/inference-components", Fixtures.component("sc-ic", "sc-ep", 0, 1, "{}")}}) {
            client().post().uri(r[0]).contentType(MediaType.APPLICATION_JSON).bodyValue(r[1]).exchange().expectStatus().isCreated();
        }
        client().get().uri(IC + "/scaling-target").exchange().expectStatus().isNotFound();
        client().put().uri(IC + "/scaling-policies/p").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"policyType\":\"TargetTrackingScaling\",\"targetTrackingScalingPolicyConfiguration\":"
                        + "{\"targetValue\":4," + METRIC + "}}")
                .exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.detail").value(d -> org.assertj.core.api.Assertions.assertThat((String) d)
                        .contains("register one first"));

        String etag = client().put().uri(IC + "/scaling-target").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"minCapacity\":0,\"maxCapacity\":4}").exchange()
                .expectStatus().isOk().expectHeader().valueEquals("ETag", "\"1\"")
                .expectBody().jsonPath("$.minCapacity").isEqualTo(0)
                .jsonPath("$.suspendedState.dynamicScalingInSuspended").isEqualTo(false)
                .returnResult().getResponseHeaders().getETag();
        client().put().uri(IC + "/scaling-target").header("If-Match", etag).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"minCapacity\":1,\"maxCapacity\":8,\"suspendedState\":{\"dynamicScalingInSuspended\":true}}")
                .exchange().expectStatus().isOk().expectHeader().valueEquals("ETag", "\"2\"");
        client().put().uri(IC + "/scaling-target").header("If-Match", etag).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"minCapacity\":2,\"maxCapacity\":3}").exchange().expectStatus().isEqualTo(412);
        client().get().uri(IC + "/scaling-target").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.maxCapacity").isEqualTo(8)
                .jsonPath("$.suspendedState.dynamicScalingInSuspended").isEqualTo(true);

        client().put().uri(IC + "/scaling-policies/concurrency").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"policyType\":\"TargetTrackingScaling\",\"targetTrackingScalingPolicyConfiguration\":"
                        + "{\"targetValue\":4," + METRIC + ",\"disableScaleIn\":true}}")
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.targetTrackingScalingPolicyConfiguration.scaleInCooldown").isEqualTo(300)
                .jsonPath("$.targetTrackingScalingPolicyConfiguration.disableScaleIn").isEqualTo(true);
        client().put().uri(IC + "/scaling-policies/steps").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"policyType\":\"StepScaling\",\"stepScalingPolicyConfiguration\":{" + METRIC
                        + ",\"threshold\":6,\"adjustmentType\":\"PercentChangeInCapacity\",\"minAdjustmentMagnitude\":1,"
                        + "\"stepAdjustments\":[{\"metricIntervalUpperBound\":0,\"scalingAdjustment\":-25},"
                        + "{\"metricIntervalLowerBound\":0,\"scalingAdjustment\":50}]}}")
                .exchange().expectStatus().isOk();
        client().get().uri(IC + "/scaling-policies").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(2)
                .jsonPath("$[0].policyName").isEqualTo("concurrency")
                .jsonPath("$[1].stepScalingPolicyConfiguration.stepAdjustments[0].scalingAdjustment").isEqualTo(-25);
        client().get().uri(IC + "/scaling-policies/steps").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"1\"")
                .expectBody().jsonPath("$.stepScalingPolicyConfiguration.cooldown").isEqualTo(300);

        client().delete().uri(IC + "/scaling-policies/concurrency").exchange().expectStatus().isNoContent();
        client().delete().uri(IC + "/scaling-policies/concurrency").exchange().expectStatus().isNotFound();
        client().delete().uri(IC + "/scaling-target").exchange().expectStatus().isNoContent();
        client().get().uri(IC + "/scaling-policies").exchange().expectBody().jsonPath("$.length()").isEqualTo(0);
        client().get().uri("/v1/inference-components/nope/scaling-policies").exchange().expectStatus().isNotFound();
    }

    @Test
    void thePerModelMetricIsOnlyForAVariantThatHostsOneComponent() {
        post("/v1/endpoint-configs", Fixtures.config("pm-cfg", "ml.g5.12xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("pm-ep", "pm-cfg"));
        post("/v1/inference-components", Fixtures.component("pm-a", "pm-ep", 0, 1, "{}"));
        String perModel = "{\"policyType\":\"TargetTrackingScaling\",\"targetTrackingScalingPolicyConfiguration\":"
                + "{\"targetValue\":4,\"predefinedMetricSpecification\":{\"predefinedMetricType\":"
                + "\"SageMakerVariantConcurrentRequestsPerModelHighResolution\"}}}";
        for (String c : new String[] {"pm-a", "pm-b"}) {
            if (c.equals("pm-b")) post("/v1/inference-components", Fixtures.component("pm-b", "pm-ep", 0, 1, "{}"));
            client().put().uri("/v1/inference-components/" + c + "/scaling-target").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"minCapacity\":1,\"maxCapacity\":4}").exchange().expectStatus().isOk();
        }
        // pm-a was alone on its variant when its policy came; pm-b now shares the variant with pm-a.
        client().put().uri("/v1/inference-components/pm-b/scaling-policies/m").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(perModel).exchange().expectStatus().isEqualTo(409).expectBody().jsonPath("$.detail")
                .value(d -> org.assertj.core.api.Assertions.assertThat((String) d).contains("also hosts pm-a"));
        client().delete().uri("/v1/inference-components/pm-b").exchange().expectStatus().isAccepted();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/inference-components/pm-b").exchange().expectStatus().isNotFound());
        client().put().uri("/v1/inference-components/pm-a/scaling-policies/m").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(perModel).exchange().expectStatus().isOk();
    }
}
