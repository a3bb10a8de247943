package dev.kindling.api.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole loop on the local fleet: clients invoke through the router, the router's in-flight counts feed the
 * scaler, the scaler raises the copy count, managed instance scaling launches instances for copies that find no room,
 * agents pull real images and models, the router spreads load over the new copies, and every scale-out is recorded
 * with all its phases. Then the load stops and the endpoint scales back in, copies and instances.
 */
@TestPropertySource(properties = {
        "kindling.scaler.stable-window-seconds=10",
        "kindling.scaler.scale-to-zero-grace-seconds=3",
        "logging.level.dev.kindling.api.scaling=info",
        // The uncached baseline: a new instance pulls from the registry and S3 (the cache tiers are tested on their own).
        "kindling.cache.image-cache.enabled=false",
        "kindling.cache.model-cache.enabled=false",
        "kindling.cache.peer-fetch.enabled=false"
})
class ScalingE2EIT extends ApiTestSupport {

    private static final String POLICY = """
            {"policyType":"TargetTrackingScaling","targetTrackingScalingPolicyConfiguration":{"targetValue":4,
             "predefinedMetricSpecification":{"predefinedMetricType":"SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"},
             "scaleOutCooldown":5,"scaleInCooldown":2}}""";

    /** A variant of ml.m5.large (2 vCPUs: 4 copies of half a core each) that manages its instance count, 1 to 4. */
    private void endpoint(String name) {
        post("/v1/endpoint-configs", """
                {"endpointConfigName":"%s-config","productionVariants":[{"variantName":"AllTraffic",
                 "instanceType":"ml.m5.large","initialInstanceCount":1,
                 "managedInstanceScaling":{"status":"ENABLED","minInstanceCount":1,"maxInstanceCount":4}}]}"""
                .formatted(name));
        post("/v1/endpoints", Fixtures.endpoint(name, name + "-config"));
    }

    private void component(String name, String endpoint, int copies, int latencyMillis) {
        post("/v1/inference-components", """
                {"inferenceComponentName":"%s","endpointName":"%s","variantName":"AllTraffic",
                 "specification":{"container":{"image":"%s","artifactUrl":"%s",
                   "environment":{"KINDLING_EMULATED_LATENCY_MILLIS":"%d"}},
                   "computeResourceRequirements":{"numberOfCpuCoresRequired":0.5,"minMemoryRequiredInMb":1024}},
                 "runtimeConfig":{"copyCount":%d}}""".formatted(name, endpoint, Fixtures.IMAGE, Fixtures.MODEL,
                latencyMillis, copies));
    }

    private void autoscale(String component, int min, int max) {
        client().put().uri("/v1/inference-components/" + component + "/scaling-target").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"minCapacity\":" + min + ",\"maxCapacity\":" + max + "}").exchange().expectStatus().isOk();
        client().put().uri("/v1/inference-components/" + component + "/scaling-policies/concurrency")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(POLICY).exchange().expectStatus().isOk();
    }

    /** Clients that each send one request after another until stopped; every answer that is not 200 is kept. */
    private final class Clients {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger ok = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        void add(int n, String endpoint, String component) {
            URI uri = URI.create("http://127.0.0.1:" + port + "/v1/endpoints/" + endpoint + "/invocations");
            for (int i = 0; i < n; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                                    .header("Content-Type", "application/json")
                                    .header("X-Amzn-SageMaker-Inference-Component", component)
                                    .timeout(Duration.ofSeconds(60))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"hello\"}")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) ok.incrementAndGet();
                            else failures.add(r.statusCode() + " " + r.body());
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join(Duration.ofSeconds(70));
            http.close();
        }
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> events(String endpoint) {
        Map<String, Object> page = client().get().uri("/v1/endpoints/" + endpoint + "/scaling-events?maxResults=100")
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (List<Map<String, Object>>) page.get("items");
    }

    @SuppressWarnings("unchecked")
    private int desiredCopies(String component) {
        Map<String, Object> c = client().get().uri("/v1/inference-components/" + component).exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (Integer) ((Map<String, Object>) c.get("runtimeConfig")).get("desiredCopyCount");
    }

    @SuppressWarnings("unchecked")
    private long liveInstances(String endpoint) {
        Map<String, Object> page = client().get().uri("/v1/instances?endpointNameEquals=" + endpoint + "&maxResults=100")
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return ((List<Map<String, Object>>) page.get("items")).stream()
                .filter(i -> "InService".equals(i.get("status")) || "Pending".equals(i.get("status"))).count();
    }

    @Test
    void aSpikeFromOneToFortyClientsScalesCopiesAndInstancesOutWithoutAFailureAndBackIn() throws Exception {
        endpoint("spike");
        component("spike-ic", "spike", 1, 100);
        awaitComponent("spike-ic", "InService", 1);
        autoscale("spike-ic", 1, 12);

        Clients clients = new Clients();
        clients.add(1, "spike", "spike-ic");
        // The windows see one client's load for a full 10 s period (before that the scaler has no valid reading).
        Thread.sleep(12_000);
        assertThat(desiredCopies("spike-ic")).isEqualTo(1);

        Instant spike = Instant.now();
        clients.add(39, "spike", "spike-ic");
        // 40 clients at target 4 per copy want 10 copies: 3 instances of 4 copies each.
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> desiredCopies("spike-ic") >= 10);
        awaitComponent("spike-ic", "InService", desiredCopies("spike-ic"));
        assertThat(liveInstances("spike")).as("managed instance scaling added instances").isGreaterThanOrEqualTo(3);
        // Every scale-out completes: its copies served their first request while the load went on.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events("spike"))
                .filteredOn(e -> "ScaleOut".equals(e.get("kind"))).isNotEmpty()
                .allSatisfy(e -> assertThat(e.get("status")).isEqualTo("Completed")));
        clients.stop();
        assertThat(clients.failures).as("failed requests").isEmpty();
        assertThat(clients.ok.get()).isGreaterThan(100);

        List<Map<String, Object>> outs = new ArrayList<>(events("spike").stream()
                .filter(e -> "ScaleOut".equals(e.get("kind"))).toList());
        outs.sort((a, b) -> ((String) a.get("eventId")).compareTo((String) b.get("eventId")));
        Map<String, Object> first = outs.getFirst();
        Instant decided = Instant.parse((String) phases(first).get("decidedAt"));
        assertThat(Duration.between(spike, decided)).as("decision after the spike").isLessThan(Duration.ofSeconds(3));
        assertThat(first.get("burst")).isEqualTo(true);
        // The scale-out that launched an instance shows every phase, each after the one before it.
        Map<String, Object> withInstance = outs.stream().filter(e -> phases(e).get("instanceRequestedAt") != null)
                .findFirst().orElseThrow(() -> new AssertionError("no scale-out launched an instance: " + outs));
        Map<String, Object> p = phases(withInstance);
        List<String> order = List.of("thresholdCrossedAt", "decidedAt", "instanceRequestedAt", "instanceReadyAt",
                "imageReadyAt", "containerHealthyAt", "firstRequestAt");
        for (String phase : order) assertThat(p.get(phase)).as(phase).isNotNull();
        assertThat(p.get("modelReadyAt")).isNotNull();
        for (int i = 1; i < order.size(); i++) {
            assertThat(Instant.parse((String) p.get(order.get(i))))
                    .as(order.get(i) + " not before " + order.get(i - 1))
                    .isAfterOrEqualTo(Instant.parse((String) p.get(order.get(i - 1))));
        }
        // A new instance pulls from the registry and S3; copies that landed beside an earlier copy find them local.
        assertThat((String) withInstance.get("imageTier")).contains("registry");
        assertThat((String) withInstance.get("modelTier")).contains("s3");

        // The load stopped: copies go back to the minimum, and idle instances are released down to theirs.
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> desiredCopies("spike-ic") == 1 && liveInstances("spike") == 1);
        assertThat(events("spike")).anySatisfy(e -> assertThat(e.get("kind")).isEqualTo("ScaleIn"));

        String metrics;
        try (HttpClient http = HttpClient.newHttpClient()) { // the scrape is larger than WebTestClient buffers
            metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        List<String> lines = metrics.lines().toList();
        for (String phase : List.of("detect", "provision", "image", "model", "container", "first-request")) {
            assertThat(lines).as("phase " + phase).anyMatch(l -> l.startsWith("kindling_scale_out_phase_seconds_count{")
                    && l.contains("component=\"spike-ic\"") && l.contains("phase=\"" + phase + "\""));
        }
        assertThat(lines).anyMatch(l -> l.startsWith("kindling_scaling_decisions_total{") && l.contains("burst=\"true\"")
                && l.contains("component=\"spike-ic\"") && l.contains("kind=\"ScaleOut\""));
    }

    @Test
    void aRequestAtZeroCopiesIsHeldScalesFromZeroAndIsServedThenTheComponentScalesToZero() throws Exception {
        endpoint("zero");
        component("zero-ic", "zero", 0, 0);
        awaitComponent("zero-ic", "InService", 0);
        autoscale("zero-ic", 0, 2);

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/endpoints/zero/invocations"))
                .header("Content-Type", "application/json").header("X-Amzn-SageMaker-Inference-Component", "zero-ic")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString("{\"x\":1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"component\":\"zero-ic\"");

        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events("zero"))
                .anySatisfy(e -> {
                    assertThat(e.get("kind")).isEqualTo("ScaleFromZero");
                    assertThat(e.get("status")).isEqualTo("Completed");
                    assertThat(phases(e).get("firstRequestAt")).isNotNull();
                }));
        // No request for the grace period (3 s here): back to zero copies.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> desiredCopies("zero-ic") == 0);
        assertThat(events("zero")).anySatisfy(e -> assertThat(e.get("kind")).isEqualTo("ScaleToZero"));
        http.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> phases(Map<String, Object> event) {
        return (Map<String, Object>) event.get("phases");
    }
}
