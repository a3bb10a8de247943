package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * Every validation rule of the REST API as a named row: the bad request, the field the problem must name and a
 * piece of the rule. Each row also checks that the refused request changed nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationIT extends ApiTestSupport {

    private static final String COMPONENT_PATH = "/v1/inference-components/v-ic";

    /** One resource of each kind, shared by all rows; rows that would change them must be refused. */
    @BeforeAll
    void existingResources() {
        post("/v1/endpoint-configs", Fixtures.config("v-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("v-ep", "v-cfg"));
        post("/v1/inference-components", Fixtures.component("v-ic", "v-ep", 1, 1, "{}"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> client().get().uri("/v1/endpoints/v-ep")
                .exchange().expectBody().jsonPath("$.endpointStatus").isEqualTo("InService"));
        client().put().uri(COMPONENT_PATH + "/scaling-target").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"minCapacity\":1,\"maxCapacity\":4}").exchange().expectStatus().isOk();
    }

    /** A config body with one variant changed by {@code variant} (JSON members spliced in, replacing defaults). */
    private static String config(String name, String variantJson) {
        return "{\"endpointConfigName\":" + name + ",\"productionVariants\":[" + variantJson + "]}";
    }

    private static String variant(String extra) {
        return "{\"variantName\":\"AllTraffic\",\"instanceType\":\"ml.g5.xlarge\",\"initialInstanceCount\":1" + extra + "}";
    }

    private static String component(String name, String endpoint, String variant, String spec, String runtime) {
        return "{\"inferenceComponentName\":" + name + ",\"endpointName\":" + endpoint + ",\"variantName\":" + variant
                + ",\"specification\":" + spec + ",\"runtimeConfig\":" + runtime + "}";
    }

    private static String spec(String container, String compute, String startup) {
        return "{\"container\":" + container + ",\"computeResourceRequirements\":" + compute
                + (startup == null ? "" : ",\"startupParameters\":" + startup) + "}";
    }

    private static final String CONTAINER = "{\"image\":\"repo/model:1\"}";
    private static final String COMPUTE = "{\"numberOfAcceleratorDevicesRequired\":1,\"numberOfCpuCoresRequired\":1,\"minMemoryRequiredInMb\":1024}";
    private static final String SPEC = spec(CONTAINER, COMPUTE, null);

    private static String withCompute(String members) {
        return spec(CONTAINER, "{" + members + "}", null);
    }

    private static String tracking(String config) {
        return "{\"policyType\":\"TargetTrackingScaling\",\"targetTrackingScalingPolicyConfiguration\":" + config + "}";
    }

    private static final String METRIC = "\"predefinedMetricSpecification\":{\"predefinedMetricType\":"
            + "\"SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution\"}";

    private static String steps(String stepsJson, String extra) {
        return "{\"policyType\":\"StepScaling\",\"stepScalingPolicyConfiguration\":{" + METRIC
                + ",\"threshold\":5,\"adjustmentType\":\"ChangeInCapacity\",\"stepAdjustments\":" + stepsJson + extra + "}}";
    }

    private static Arguments row(String label, HttpMethod method, String uri, String body, String field, String rule,
                                 String unchanged) {
        return Arguments.of(label, method, uri, body, field, rule, unchanged);
    }

    static Stream<Arguments> rows() {
        HttpMethod post = HttpMethod.POST;
        HttpMethod put = HttpMethod.PUT;
        String cfgs = "/v1/endpoint-configs";
        String newCfg = "/v1/endpoint-configs/x-cfg";
        String eps = "/v1/endpoints";
        String newEp = "/v1/endpoints/x-ep";
        String ics = "/v1/inference-components";
        String newIc = "/v1/inference-components/x-ic";
        String tooMany = IntStream.range(0, 11).mapToObj(i -> variant("").replace("AllTraffic", "v" + i))
                .collect(Collectors.joining(","));
        String env101 = IntStream.range(0, 101).mapToObj(i -> "\"K" + i + "\":\"v\"").collect(Collectors.joining(",", "{", "}"));
        return Stream.of(
                // Endpoint configs
                row("config name missing", post, cfgs, "{\"productionVariants\":[" + variant("") + "]}", "endpointConfigName", "is required", newCfg),
                row("config name blank", post, cfgs, config("\"  \"", variant("")), "endpointConfigName", "is required", newCfg),
                row("config name with underscore", post, cfgs, config("\"x_cfg\"", variant("")), "endpointConfigName", "63 characters", newCfg),
                row("config name of 64 characters", post, cfgs, config("\"" + "a".repeat(64) + "\"", variant("")), "endpointConfigName", "63 characters", newCfg),
                row("variants missing", post, cfgs, "{\"endpointConfigName\":\"x-cfg\"}", "productionVariants", "is required", newCfg),
                row("variants empty", post, cfgs, config("\"x-cfg\"", ""), "productionVariants", "is required", newCfg),
                row("eleven variants", post, cfgs, config("\"x-cfg\"", tooMany), "productionVariants", "at most 10", newCfg),
                row("null variant", post, cfgs, config("\"x-cfg\"", "null"), "productionVariants[0]", "is required", newCfg),
                row("duplicate variant names", post, cfgs, config("\"x-cfg\"", variant("") + "," + variant("")), "productionVariants[1].variantName", "unique", newCfg),
                row("variant name pattern", post, cfgs, config("\"x-cfg\"", variant("").replace("AllTraffic", "all traffic")), "productionVariants[0].variantName", "63 characters", newCfg),
                row("instance type missing", post, cfgs, config("\"x-cfg\"", "{\"variantName\":\"A\",\"initialInstanceCount\":1}"), "productionVariants[0].instanceType", "is required", newCfg),
                row("instance type unknown", post, cfgs, config("\"x-cfg\"", variant("").replace("ml.g5.xlarge", "ml.z9.huge")), "productionVariants[0].instanceType", "known instance type", newCfg),
                row("instance count missing", post, cfgs, config("\"x-cfg\"", "{\"variantName\":\"A\",\"instanceType\":\"ml.g5.xlarge\"}"), "productionVariants[0].initialInstanceCount", "is required", newCfg),
                row("instance count 0", post, cfgs, config("\"x-cfg\"", variant("").replace(":1", ":0")), "productionVariants[0].initialInstanceCount", "between 1 and 100", newCfg),
                row("instance count 101", post, cfgs, config("\"x-cfg\"", variant("").replace(":1", ":101")), "productionVariants[0].initialInstanceCount", "between 1 and 100", newCfg),
                row("routing strategy unknown", post, cfgs, config("\"x-cfg\"", variant(",\"routingConfig\":{\"routingStrategy\":\"ROUND_ROBIN\"}")), "productionVariants[0].routingConfig.routingStrategy", "must be one of", newCfg),
                row("routing strategy null", post, cfgs, config("\"x-cfg\"", variant(",\"routingConfig\":{}")), "productionVariants[0].routingConfig.routingStrategy", "is required", newCfg),
                row("managed scaling status missing", post, cfgs, config("\"x-cfg\"", variant(",\"managedInstanceScaling\":{\"minInstanceCount\":1,\"maxInstanceCount\":2}")), "productionVariants[0].managedInstanceScaling.status", "is required", newCfg),
                row("managed scaling status unknown", post, cfgs, config("\"x-cfg\"", variant(",\"managedInstanceScaling\":{\"status\":\"ON\",\"minInstanceCount\":1,\"maxInstanceCount\":2}")), "productionVariants[0].managedInstanceScaling.status", "must be one of", newCfg),
                row("managed scaling min -1", post, cfgs, config("\"x-cfg\"", variant(",\"managedInstanceScaling\":{\"status\":\"ENABLED\",\"minInstanceCount\":-1,\"maxInstanceCount\":2}")), "productionVariants[0].managedInstanceScaling.minInstanceCount", "between 0 and 100", newCfg),
                row("managed scaling max 0", post, cfgs, config("\"x-cfg\"", variant(",\"managedInstanceScaling\":{\"status\":\"ENABLED\",\"minInstanceCount\":0,\"maxInstanceCount\":0}")), "productionVariants[0].managedInstanceScaling.maxInstanceCount", "between 1 and 100", newCfg),
                row("managed scaling max below min", post, cfgs, config("\"x-cfg\"", variant(",\"managedInstanceScaling\":{\"status\":\"DISABLED\",\"minInstanceCount\":3,\"maxInstanceCount\":2}")), "productionVariants[0].managedInstanceScaling.maxInstanceCount", "greater than or equal to minInstanceCount", newCfg),
                row("initial count outside managed bounds", post, cfgs, config("\"x-cfg\"", variant(",\"managedInstanceScaling\":{\"status\":\"ENABLED\",\"minInstanceCount\":2,\"maxInstanceCount\":3}")), "productionVariants[0].initialInstanceCount", "within managedInstanceScaling", newCfg),
                row("number given as a string", post, cfgs, config("\"x-cfg\"", variant("").replace(":1", ":\"one\"")), "productionVariants[0].initialInstanceCount", "must be an integer", newCfg),
                row("unknown field", post, cfgs, config("\"x-cfg\"", variant(",\"instanceCount\":1")), "productionVariants[0].instanceCount", "not a known field", newCfg),
                // Endpoints
                row("endpoint name pattern", post, eps, Fixtures.endpoint("-x-ep", "v-cfg"), "endpointName", "63 characters", newEp),
                row("endpoint config missing", post, eps, "{\"endpointName\":\"x-ep\"}", "endpointConfigName", "is required", newEp),
                row("endpoint config does not exist", post, eps, Fixtures.endpoint("x-ep", "nope"), "endpointConfigName", "existing endpoint config", newEp),
                row("endpoint update to a missing config", put, "/v1/endpoints/v-ep", "{\"endpointConfigName\":\"nope\"}", "endpointConfigName", "existing endpoint config", "/v1/endpoints/v-ep"),
                row("endpoint update with a bad If-Match", put, "/v1/endpoints/v-ep|If-Match=v1", "{\"endpointConfigName\":\"v-cfg\"}", "If-Match", "ETag", "/v1/endpoints/v-ep"),
                // Inference components
                row("component name pattern", post, ics, component("\"x.ic\"", "\"v-ep\"", "\"AllTraffic\"", SPEC, "{\"copyCount\":1}"), "inferenceComponentName", "63 characters", newIc),
                row("component endpoint missing", post, ics, component("\"x-ic\"", "\"nope\"", "\"AllTraffic\"", SPEC, "{\"copyCount\":1}"), "endpointName", "existing endpoint", newIc),
                row("component variant not in config", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"Other\"", SPEC, "{\"copyCount\":1}"), "variantName", "must name a variant", newIc),
                row("specification missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", "null", "{\"copyCount\":1}"), "specification", "is required", newIc),
                row("container missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec("null", COMPUTE, null), "{\"copyCount\":1}"), "specification.container", "is required", newIc),
                row("image missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec("{}", COMPUTE, null), "{\"copyCount\":1}"), "specification.container.image", "is required", newIc),
                row("image upper case", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec("{\"image\":\"Repo/Model\"}", COMPUTE, null), "{\"copyCount\":1}"), "specification.container.image", "image reference", newIc),
                row("artifact not on S3", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec("{\"image\":\"repo/m\",\"artifactUrl\":\"http://x/m.tar.gz\"}", COMPUTE, null), "{\"copyCount\":1}"), "specification.container.artifactUrl", "S3 URI", newIc),
                row("environment key with a dash", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec("{\"image\":\"repo/m\",\"environment\":{\"BAD-KEY\":\"v\"}}", COMPUTE, null), "{\"copyCount\":1}"), "specification.container.environment.BAD-KEY", "letters, digits and underscores", newIc),
                row("environment of 101 variables", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec("{\"image\":\"repo/m\",\"environment\":" + env101 + "}", COMPUTE, null), "{\"copyCount\":1}"), "specification.container.environment", "at most 100", newIc),
                row("compute missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec(CONTAINER, "null", null), "{\"copyCount\":1}"), "specification.computeResourceRequirements", "is required", newIc),
                row("accelerators -1", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"numberOfAcceleratorDevicesRequired\":-1,\"minMemoryRequiredInMb\":1024"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.numberOfAcceleratorDevicesRequired", "between 0 and 16", newIc),
                row("accelerators 17", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"numberOfAcceleratorDevicesRequired\":17,\"minMemoryRequiredInMb\":1024"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.numberOfAcceleratorDevicesRequired", "between 0 and 16", newIc),
                row("more accelerators than the type has", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"numberOfAcceleratorDevicesRequired\":2,\"minMemoryRequiredInMb\":1024"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.numberOfAcceleratorDevicesRequired", "has 1 accelerators", newIc),
                row("cpu 0.1", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"numberOfCpuCoresRequired\":0.1,\"minMemoryRequiredInMb\":1024"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.numberOfCpuCoresRequired", "between 0.25 and 512", newIc),
                row("more cpus than the type has", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"numberOfCpuCoresRequired\":5,\"minMemoryRequiredInMb\":1024"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.numberOfCpuCoresRequired", "has 4 vCPUs", newIc),
                row("memory missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"numberOfCpuCoresRequired\":1"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.minMemoryRequiredInMb", "is required", newIc),
                row("memory 100", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"minMemoryRequiredInMb\":100"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.minMemoryRequiredInMb", "between 128", newIc),
                row("more memory than the type has", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"minMemoryRequiredInMb\":20000"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.minMemoryRequiredInMb", "has 16384 MiB", newIc),
                row("max memory below min", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", withCompute("\"minMemoryRequiredInMb\":2048,\"maxMemoryRequiredInMb\":1024"), "{\"copyCount\":1}"), "specification.computeResourceRequirements.maxMemoryRequiredInMb", "greater than or equal", newIc),
                row("download timeout 59", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec(CONTAINER, COMPUTE, "{\"modelDataDownloadTimeoutInSeconds\":59}"), "{\"copyCount\":1}"), "specification.startupParameters.modelDataDownloadTimeoutInSeconds", "between 60 and 3600", newIc),
                row("health check timeout 3601", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", spec(CONTAINER, COMPUTE, "{\"containerStartupHealthCheckTimeoutInSeconds\":3601}"), "{\"copyCount\":1}"), "specification.startupParameters.containerStartupHealthCheckTimeoutInSeconds", "between 60 and 3600", newIc),
                row("runtime config missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", SPEC, "null"), "runtimeConfig", "is required", newIc),
                row("copy count missing", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", SPEC, "{}"), "runtimeConfig.copyCount", "is required", newIc),
                row("copy count 1001", post, ics, component("\"x-ic\"", "\"v-ep\"", "\"AllTraffic\"", SPEC, "{\"copyCount\":1001}"), "runtimeConfig.copyCount", "between 0 and 1000", newIc),
                row("runtime config update to -1", put, COMPONENT_PATH + "/runtime-config", "{\"copyCount\":-1}", "runtimeConfig.copyCount", "between 0 and 1000", COMPONENT_PATH),
                row("specification update too big for the type", put, COMPONENT_PATH, "{\"specification\":" + withCompute("\"numberOfAcceleratorDevicesRequired\":4,\"minMemoryRequiredInMb\":1024") + "}", "specification.computeResourceRequirements.numberOfAcceleratorDevicesRequired", "has 1 accelerators", COMPONENT_PATH),
                // Scaling targets and policies
                row("target min -1", put, COMPONENT_PATH + "/scaling-target", "{\"minCapacity\":-1,\"maxCapacity\":2}", "minCapacity", "between 0 and 1000", COMPONENT_PATH + "/scaling-target"),
                row("target max 0", put, COMPONENT_PATH + "/scaling-target", "{\"minCapacity\":0,\"maxCapacity\":0}", "maxCapacity", "between 1 and 1000", COMPONENT_PATH + "/scaling-target"),
                row("target min above max", put, COMPONENT_PATH + "/scaling-target", "{\"minCapacity\":5,\"maxCapacity\":2}", "maxCapacity", "greater than or equal to minCapacity", COMPONENT_PATH + "/scaling-target"),
                row("target max missing", put, COMPONENT_PATH + "/scaling-target", "{\"minCapacity\":1}", "maxCapacity", "is required", COMPONENT_PATH + "/scaling-target"),
                row("policy type missing", put, COMPONENT_PATH + "/scaling-policies/p", "{}", "policyType", "is required", COMPONENT_PATH + "/scaling-policies/p"),
                row("policy type unknown", put, COMPONENT_PATH + "/scaling-policies/p", "{\"policyType\":\"Predictive\"}", "policyType", "must be one of", COMPONENT_PATH + "/scaling-policies/p"),
                row("policy name with a space", put, COMPONENT_PATH + "/scaling-policies/my policy", tracking("{\"targetValue\":4," + METRIC + "}"), "policyName", "letters, digits", COMPONENT_PATH + "/scaling-policies/p"),
                row("tracking configuration missing", put, COMPONENT_PATH + "/scaling-policies/p", "{\"policyType\":\"TargetTrackingScaling\"}", "targetTrackingScalingPolicyConfiguration", "is required", COMPONENT_PATH + "/scaling-policies/p"),
                row("tracking with step configuration too", put, COMPONENT_PATH + "/scaling-policies/p", "{\"policyType\":\"TargetTrackingScaling\",\"targetTrackingScalingPolicyConfiguration\":{\"targetValue\":4," + METRIC + "},\"stepScalingPolicyConfiguration\":{}}", "stepScalingPolicyConfiguration", "must be absent", COMPONENT_PATH + "/scaling-policies/p"),
                row("target value missing", put, COMPONENT_PATH + "/scaling-policies/p", tracking("{" + METRIC + "}"), "targetTrackingScalingPolicyConfiguration.targetValue", "is required", COMPONENT_PATH + "/scaling-policies/p"),
                row("target value 0", put, COMPONENT_PATH + "/scaling-policies/p", tracking("{\"targetValue\":0," + METRIC + "}"), "targetTrackingScalingPolicyConfiguration.targetValue", "greater than 0", COMPONENT_PATH + "/scaling-policies/p"),
                row("metric type missing", put, COMPONENT_PATH + "/scaling-policies/p", tracking("{\"targetValue\":4}"), "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification", "is required", COMPONENT_PATH + "/scaling-policies/p"),
                row("metric type unknown", put, COMPONENT_PATH + "/scaling-policies/p", tracking("{\"targetValue\":4,\"predefinedMetricSpecification\":{\"predefinedMetricType\":\"CPUUtilization\"}}"), "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType", "must be one of", COMPONENT_PATH + "/scaling-policies/p"),
                row("scale-in cooldown -1", put, COMPONENT_PATH + "/scaling-policies/p", tracking("{\"targetValue\":4," + METRIC + ",\"scaleInCooldown\":-1}"), "targetTrackingScalingPolicyConfiguration.scaleInCooldown", "between 0 and 86400", COMPONENT_PATH + "/scaling-policies/p"),
                row("scale-out cooldown 86401", put, COMPONENT_PATH + "/scaling-policies/p", tracking("{\"targetValue\":4," + METRIC + ",\"scaleOutCooldown\":86401}"), "targetTrackingScalingPolicyConfiguration.scaleOutCooldown", "between 0 and 86400", COMPONENT_PATH + "/scaling-policies/p"),
                row("step threshold missing", put, COMPONENT_PATH + "/scaling-policies/p", steps("[{\"metricIntervalLowerBound\":0,\"scalingAdjustment\":1}]", "").replace("\"threshold\":5,", ""), "stepScalingPolicyConfiguration.threshold", "is required", COMPONENT_PATH + "/scaling-policies/p"),
                row("step adjustment type unknown", put, COMPONENT_PATH + "/scaling-policies/p", steps("[{\"metricIntervalLowerBound\":0,\"scalingAdjustment\":1}]", "").replace("ChangeInCapacity", "Double"), "stepScalingPolicyConfiguration.adjustmentType", "must be one of", COMPONENT_PATH + "/scaling-policies/p"),
                row("no steps", put, COMPONENT_PATH + "/scaling-policies/p", steps("[]", ""), "stepScalingPolicyConfiguration.stepAdjustments", "at least one", COMPONENT_PATH + "/scaling-policies/p"),
                row("overlapping steps", put, COMPONENT_PATH + "/scaling-policies/p", steps("[{\"metricIntervalLowerBound\":0,\"metricIntervalUpperBound\":5,\"scalingAdjustment\":1},{\"metricIntervalLowerBound\":3,\"scalingAdjustment\":2}]", ""), "stepScalingPolicyConfiguration.stepAdjustments", "must not overlap", COMPONENT_PATH + "/scaling-policies/p"),
                row("steps with a gap", put, COMPONENT_PATH + "/scaling-policies/p", steps("[{\"metricIntervalLowerBound\":0,\"metricIntervalUpperBound\":2,\"scalingAdjustment\":1},{\"metricIntervalLowerBound\":3,\"scalingAdjustment\":2}]", ""), "stepScalingPolicyConfiguration.stepAdjustments", "no gap", COMPONENT_PATH + "/scaling-policies/p"),
                row("step that changes nothing", put, COMPONENT_PATH + "/scaling-policies/p", steps("[{\"metricIntervalLowerBound\":0,\"scalingAdjustment\":0}]", ""), "stepScalingPolicyConfiguration.stepAdjustments[0].scalingAdjustment", "must not be 0", COMPONENT_PATH + "/scaling-policies/p"),
                row("min magnitude without percent", put, COMPONENT_PATH + "/scaling-policies/p", steps("[{\"metricIntervalLowerBound\":0,\"scalingAdjustment\":1}]", ",\"minAdjustmentMagnitude\":2"), "stepScalingPolicyConfiguration.minAdjustmentMagnitude", "PercentChangeInCapacity", COMPONENT_PATH + "/scaling-policies/p"),
                // Listings
                row("maxResults 0", HttpMethod.GET, "/v1/endpoints?maxResults=0", null, "maxResults", "between 1 and 100", "/v1/endpoints/v-ep"),
                row("maxResults 101", HttpMethod.GET, "/v1/inference-components?maxResults=101", null, "maxResults", "between 1 and 100", "/v1/endpoints/v-ep"),
                row("garbage nextToken", HttpMethod.GET, "/v1/endpoint-configs?nextToken=%%%", null, "nextToken", "previous page", "/v1/endpoints/v-ep"),
                row("forged nextToken", HttpMethod.GET, "/v1/instances?nextToken=AAAA", null, "nextToken", "previous page", "/v1/endpoints/v-ep"),
                row("unknown status filter", HttpMethod.GET, "/v1/instances?statusEquals=Running", null, "statusEquals", "must be one of", "/v1/endpoints/v-ep"),
                row("maxResults not a number", HttpMethod.GET, "/v1/endpoints?maxResults=ten", null, "maxResults", "must be an integer", "/v1/endpoints/v-ep"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void badInputIsRefusedNamingTheFieldAndTheRuleAndChangesNothing(String label, HttpMethod method, String uri,
                                                                     String body, String field, String rule,
                                                                     String unchanged) {
        EntityExchangeResult<byte[]> before = client().get().uri(unchanged).exchange().expectBody().returnResult();
        String[] parts = uri.split("\\|");
        var spec = client().method(method).uri(parts[0]);
        if (parts.length > 1) spec = spec.header(parts[1].split("=")[0], parts[1].split("=")[1]);
        var request = body == null ? spec : spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
        Map<?, ?> problem = request.exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(problem.get("type")).isEqualTo("https://kindling.dev/problems/validation-error");
        assertThat(problem.get("status")).isEqualTo(400);
        assertThat((String) problem.get("detail")).contains(field);
        List<?> errors = (List<?>) problem.get("errors");
        assertThat(errors).as("errors of %s", problem).anySatisfy(e -> {
            assertThat(((Map<?, ?>) e).get("field")).isEqualTo(field);
            assertThat((String) ((Map<?, ?>) e).get("rule")).contains(rule);
        });
        EntityExchangeResult<byte[]> after = client().get().uri(unchanged).exchange().expectBody().returnResult();
        assertThat(after.getStatus()).isEqualTo(before.getStatus());
        assertThat(after.getResponseHeaders().getETag()).isEqualTo(before.getResponseHeaders().getETag());
    }

    @org.junit.jupiter.api.Test
    void malformedJsonIsAMalformedRequest() {
        client().post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"endpointConfigName\": ").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/malformed-request")
                .jsonPath("$.detail").value(d -> assertThat((String) d).startsWith("the body is not valid JSON"));
    }

    @org.junit.jupiter.api.Test
    void everyBrokenRuleOfOneRequestIsListed() {
        Map<?, ?> problem = client().post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(config("\"-bad\"", "{\"variantName\":\"A\",\"instanceType\":\"ml.x\",\"initialInstanceCount\":0}"))
                .exchange().expectStatus().isBadRequest().expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<?>) problem.get("errors")).extracting(e -> (Object) ((Map<?, ?>) e).get("field")).containsExactly(
                "endpointConfigName", "productionVariants[0].instanceType", "productionVariants[0].initialInstanceCount");
        assertThat((String) problem.get("detail")).startsWith("3 fields are invalid");
    }
}
