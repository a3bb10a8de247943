package dev.kindling.api.leader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import dev.kindling.api.KindlingApplication;
import dev.kindling.api.reconcile.ReconcileLoop;
import dev.kindling.api.s3.EmbeddedS3;
import dev.kindling.db.DatabaseSettings;
import dev.kindling.db.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Two whole control planes on one database, as two replicas behind a load balancer: only the leader reconciles,
 * whichever replica takes the API call; when the leader stops, the other takes over within 15 s and replaces the
 * instances that died with it.
 */
class TwoReplicasIT {

    private final DatabaseSettings db = TestDatabases.fresh();
    private ConfigurableApplicationContext a;
    private ConfigurableApplicationContext b;

    /** A replica with its own registry, S3 store and instance disks, as on its own host. */
    private ConfigurableApplicationContext start(String replicaId) {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(KindlingApplication.class)
                .initializers(TwoReplicasIT::ownEventLoops).run(
                "--server.port=0",
                "--kindling.database.url=" + db.url(),
                "--kindling.database.username=" + db.username(),
                "--kindling.database.password=" + db.password(),
                "--kindling.leader.replica-id=" + replicaId,
                "--kindling.leader.poll-interval-millis=200",
                "--kindling.registry.embedded.data-directory=" + ApiTestSupport.temporaryDirectory("kindling-registry-"),
                "--kindling.s3.embedded.data-directory=" + ApiTestSupport.temporaryDirectory("kindling-s3-"),
                "--kindling.s3.embedded.port=0",
                "--kindling.fleet.local.data-directory=" + ApiTestSupport.temporaryDirectory("kindling-fleet-"),
                "--kindling.fleet.local.time-scale=0",
                "--kindling.fleet.local.heartbeat-interval-millis=100",
                "--kindling.reconciler.interval-millis=50",
                "--kindling.reconciler.heartbeat-timeout-millis=1500",
                "--logging.level.dev.kindling=warn");
        ApiTestSupport.seed(client(app), app.getBean(EmbeddedS3.class).endpoint());
        return app;
    }

    /**
     * Netty event loops of its own for each replica, as each has in its own JVM: by default they are JVM-wide, and
     * the replica that closes shuts down the other's web server with them.
     */
    private static void ownEventLoops(ConfigurableApplicationContext context) {
        ((GenericApplicationContext) context).registerBean("reactorResourceFactory", ReactorResourceFactory.class, () -> {
            ReactorResourceFactory resources = new ReactorResourceFactory();
            resources.setUseGlobalResources(false);
            return resources;
        });
    }

    @AfterEach
    void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    private static WebTestClient client(ConfigurableApplicationContext app) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:"
                + app.getEnvironment().getProperty("local.server.port")).responseTimeout(Duration.ofSeconds(30)).build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> leader(ConfigurableApplicationContext app) {
        return client(app).get().uri("/v1/leader").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    private static boolean leads(ConfigurableApplicationContext app) {
        return Boolean.TRUE.equals(leader(app).get("leader"));
    }

    @Test
    void onlyTheLeaderReconcilesAndTheOtherTakesOverWhenItStops() {
        a = start("replica-a");
        b = start("replica-b");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> leads(a) != leads(b));
        ConfigurableApplicationContext leader = leads(a) ? a : b;
        ConfigurableApplicationContext follower = leader == a ? b : a;
        assertThat(leader(follower)).containsEntry("replicaId", leader == a ? "replica-b" : "replica-a")
                .containsEntry("leader", false).containsKey("since");

        // Everything through the follower's API; the leader's loop does the work.
        WebTestClient f = client(follower);
        f.post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.config("cfg", "ml.g5.xlarge", 1)).exchange().expectStatus().isCreated();
        f.post().uri("/v1/endpoints").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.endpoint("ep", "cfg")).exchange().expectStatus().isCreated();
        f.post().uri("/v1/inference-components").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.component("model", "ep", 1, 1, "{}")).exchange().expectStatus().isCreated();
        awaitOneCopyInService(f);
        assertThat(leader.getBean(ReconcileLoop.class).lastPass()).as("the leader's last pass").isNotNull();
        assertThat(follower.getBean(ReconcileLoop.class).lastPass()).as("the follower's last pass").isNull();
        f.get().uri("/actuator/health/reconciler").exchange().expectStatus().isOk();
        f.get().uri("/actuator/health/leader").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.details.role").isEqualTo("follower");
        assertThat(leaderGauge(leader)).isEqualTo("1.0");
        assertThat(leaderGauge(follower)).isEqualTo("0.0");
        List<String> instancesBefore = instanceIds(f, "InService");
        assertThat(instancesBefore).hasSize(1);

        leader.close();

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> leads(follower));
        // The leader's emulated instances died with it; the new leader replaces them and places the copy again.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(instanceIds(f, "InService")).hasSize(1).doesNotContainAnyElementsOf(instancesBefore);
            assertOneCopyInService(f);
        });
        assertThat(follower.getBean(ReconcileLoop.class).lastPass()).isNotNull();
    }

    @Test
    void requestsRoutedByTheFollowerDriveTheLeadersScaler() throws Exception {
        a = start("replica-a");
        b = start("replica-b");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> leads(a) != leads(b));
        ConfigurableApplicationContext follower = leads(a) ? b : a;
        WebTestClient f = client(follower);
        f.post().uri("/v1/endpoint-configs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.config("cfg", "ml.g5.12xlarge", 1)).exchange().expectStatus().isCreated();
        f.post().uri("/v1/endpoints").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.endpoint("ep", "cfg")).exchange().expectStatus().isCreated();
        f.post().uri("/v1/inference-components").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Fixtures.component("model", "ep", 1, 1, "{\"KINDLING_EMULATED_LATENCY_MILLIS\":\"200\"}"))
                .exchange().expectStatus().isCreated();
        awaitOneCopyInService(f);
        f.put().uri("/v1/inference-components/model/scaling-target").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"minCapacity\":1,\"maxCapacity\":3}").exchange().expectStatus().isOk();
        f.put().uri("/v1/inference-components/model/scaling-policies/concurrency").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"policyType\":\"TargetTrackingScaling\",\"targetTrackingScalingPolicyConfiguration\":"
                        + "{\"targetValue\":2,\"predefinedMetricSpecification\":{\"predefinedMetricType\":"
                        + "\"SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution\"},\"scaleOutCooldown\":1}}")
                .exchange().expectStatus().isOk();

        // Eight clients, all through the follower: only its published load can tell the leader's scaler about them.
        // Three copies of target 2 need more than 4 in flight; eight leave room for the router seeing fewer in flight
        // than there are clients (each client's time between requests) on a loaded machine.
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + follower.getEnvironment().getProperty("local.server.port")
                + "/v1/endpoints/ep/invocations");
        List<Thread> clients = new java.util.ArrayList<>();
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            for (int i = 0; i < 8; i++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            int status = http.send(java.net.http.HttpRequest.newBuilder(uri)
                                    .header("Content-Type", "application/json")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                            if (status != 200) failures.incrementAndGet();
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                }));
            }
            Awaitility.await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
                    f.get().uri("/v1/inference-components/model").exchange().expectStatus().isOk().expectBody()
                            .jsonPath("$.runtimeConfig.desiredCopyCount").isEqualTo(3));
            running.set(false);
            for (Thread t : clients) t.join(Duration.ofSeconds(10));
        }
        assertThat(failures.get()).as("failed requests").isZero();
        Map<?, ?> events = f.get().uri("/v1/endpoints/ep/scaling-events").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<?>) events.get("items")).isNotEmpty().allSatisfy(e ->
                assertThat(((Map<?, ?>) e).get("kind")).isEqualTo("ScaleOut"));
    }

    /** The value of this replica's kindling_leader gauge, as Prometheus scrapes it. */
    private static String leaderGauge(ConfigurableApplicationContext app) {
        String id = (String) leader(app).get("replicaId");
        String metrics = client(app).get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        Matcher m = Pattern.compile("(?m)^kindling_leader\\{[^}]*replica=\"" + Pattern.quote(id) + "\"[^}]*} (\\S+)$")
                .matcher(metrics);
        assertThat(m.find()).as("kindling_leader for %s in %s", id, metrics).isTrue();
        return m.group(1);
    }

    private static void awaitOneCopyInService(WebTestClient c) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertOneCopyInService(c));
    }

    private static void assertOneCopyInService(WebTestClient c) {
        c.get().uri("/v1/inference-components/model").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.inferenceComponentStatus").isEqualTo("InService")
                .jsonPath("$.runtimeConfig.currentCopyCount").isEqualTo(1);
    }

    private static List<String> instanceIds(WebTestClient c, String status) {
        Map<?, ?> page = c.get().uri("/v1/instances?maxResults=100&endpointNameEquals=ep&statusEquals=" + status)
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return ((List<?>) page.get("items")).stream().map(i -> (String) ((Map<?, ?>) i).get("instanceId")).toList();
    }
}
