package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.cache.endpoint.VolumeContent;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyState;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import dev.kindling.api.caches.InstanceSecrets;
import dev.kindling.api.caches.LocalCacheVolumes;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Endpoint caches through the REST API, with real volumes built from the embedded registry and S3 store and agents
 * played by the test (the reconciler is off, so the instances a test adds by hand stay as they are): a component's
 * endpoint gets a ready volume holding its image and model; an agent gets a grant only with its own instance's secret
 * and only of its own endpoint, never another's, and only of a volume ready when its instance was launched; {@code modelCacheEnabled: false} keeps a model out; a fault an agent
 * reports in the ready volume rebuilds it, once; and deleting the endpoint deletes its volume.
 */
@TestPropertySource(properties = {"kindling.reconciler.enabled=false", "kindling.cache.interval-millis=200"})
class EndpointCacheApiIT extends ApiTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    private InstanceStore instances;
    @Autowired
    private CopyStore copyStore;
    @Autowired
    private EndpointStore endpointStore;
    @Autowired
    private InferenceComponentStore componentStore;
    @Autowired
    private LocalCacheVolumes volumes;

    private void endpointWithComponent(String endpoint, String component, String specification) {
        post("/v1/endpoint-configs", Fixtures.config(endpoint + "-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint(endpoint, endpoint + "-cfg"));
        post("/v1/inference-components", specification == null ? Fixtures.component(component, endpoint, 1, 1, "{}")
                : specification);
    }

    private Map<String, Object> caches(String endpoint) {
        return client().get().uri("/v1/endpoints/" + endpoint + "/caches").exchange().expectStatus().isOk()
                .expectBody(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
    }

    private Map<String, Object> awaitCache(String endpoint, Predicate<Map<String, Object>> until) {
        return Awaitility.await().atMost(WAIT).until(() -> caches(endpoint), until);
    }

    private static Predicate<Map<String, Object>> readyGeneration(int generation) {
        return c -> "Ready".equals(c.get("status")) && Integer.valueOf(generation).equals(c.get("readyGeneration"));
    }

    /** An instance of {@code endpoint} as a launch would have made it; returns its secret. */
    private String launched(String id, String endpoint) {
        String secret = InstanceSecrets.newSecret();
        instances.insert(new Instance(id, endpoint, "AllTraffic", "ml.g5.xlarge", InstanceStatus.Pending, null, null,
                Instant.now(), null, null, null), null, InstanceSecrets.hash(secret)).block();
        return secret;
    }

    private WebTestClient.ResponseSpec register(String id, String claimed, String authorization) {
        WebTestClient.RequestBodySpec r = client().post().uri(AgentPaths.register(id)).contentType(MediaType.APPLICATION_JSON);
        if (authorization != null) r = r.header(AgentPaths.AUTHORIZATION, authorization);
        return r.bodyValue(Map.of("instanceType", "ml.g5.xlarge", "agentUrl", "http://127.0.0.1:1/" + id,
                "endpointName", claimed)).exchange();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> registered(String id, String endpoint, String secret) {
        Map<String, Object> body = register(id, endpoint, AgentPaths.bearer(secret)).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return (Map<String, Object>) body.get("caches");
    }

    private WebTestClient.ResponseSpec heartbeat(String id, String authorization, Heartbeat hb) {
        WebTestClient.RequestBodySpec r = client().post().uri(AgentPaths.heartbeat(id)).contentType(MediaType.APPLICATION_JSON);
        if (authorization != null) r = r.header(AgentPaths.AUTHORIZATION, authorization);
        return r.bodyValue(hb).exchange();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> beat(String id, String secret) {
        return heartbeat(id, AgentPaths.bearer(secret), new Heartbeat(List.of())).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    private String scrape() {
        return client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk().expectBody(String.class)
                .returnResult().getResponseBody();
    }

    @Test
    @SuppressWarnings("unchecked")
    void anEndpointWithAComponentGetsAReadyVolumeHoldingItsImageAndModel() throws Exception {
        endpointWithComponent("vol", "vol-llm", null);
        Map<String, Object> c = awaitCache("vol", readyGeneration(1));

        assertThat(c.get("generation")).isEqualTo(1);
        assertThat(c.get("buildReason")).isEqualTo("planned");
        assertThat((Map<String, Object>) c.get("plan")).isEqualTo(Map.of("images", List.of(Fixtures.IMAGE),
                "models", List.of(Fixtures.MODEL)));
        assertThat(((Number) c.get("imageBytes")).longValue()).isGreaterThan(65_536);
        assertThat(((Number) c.get("modelBytes")).longValue()).isPositive();
        assertThat(c.get("faults")).isEqualTo(0);
        assertThat(c.get("requestedAt")).isNotNull();
        assertThat(c.get("buildStartedAt")).isNotNull();
        assertThat(c.get("builtAt")).isNotNull();

        Path volume = Path.of((String) c.get("readyLocation"));
        assertThat(volume).isEqualTo(volumes.directory().resolve("vol").resolve("gen-1"));
        VolumeContent manifest = VolumeContent.read(volume);
        assertThat(manifest.endpointName()).isEqualTo("vol");
        assertThat(manifest.images()).singleElement().satisfies(image -> {
            assertThat(image.source()).isEqualTo(Fixtures.IMAGE);
            assertThat(image.blobs()).hasSize(3); // manifest, config, one layer
            assertThat(image.blobs()).allSatisfy(b -> assertThat(volume.resolve("blobs/sha256")
                    .resolve(b.digest().substring("sha256:".length()))).isRegularFile().hasSize(b.size()));
            assertThat(image.bytes()).isEqualTo(((Number) c.get("imageBytes")).longValue());
        });
        assertThat(volume.resolve("models").resolve(Fixtures.MODEL_BUCKET).resolve(Fixtures.MODEL_KEY)).isRegularFile()
                .hasSize(((Number) c.get("modelBytes")).longValue());

        assertThat(scrape()).containsPattern("kindling_endpoint_cache_bytes\\{[^}]*artifact=\"model\"[^}]*endpoint=\"vol\"[^}]*} [1-9]")
                .containsPattern("kindling_endpoint_cache_build_seconds_count\\{[^}]*endpoint=\"vol\"[^}]*outcome=\"Ready\"[^}]*} 1");

        client().get().uri("/v1/endpoints/absent/caches").exchange().expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").isEqualTo("endpoint absent does not exist");
    }

    @Test
    @SuppressWarnings("unchecked")
    void grantsAndPeersNeverCrossEndpoints() {
        endpointWithComponent("iso-a", "iso-a-llm", null);
        endpointWithComponent("iso-b", "iso-b-llm", null);
        String locationA = (String) awaitCache("iso-a", readyGeneration(1)).get("readyLocation");
        String locationB = (String) awaitCache("iso-b", readyGeneration(1)).get("readyLocation");
        String a1 = launched("ki-iso-a1", "iso-a");
        String a2 = launched("ki-iso-a2", "iso-a");
        String b1 = launched("ki-iso-b1", "iso-b");

        Map<String, Object> grantA = registered("ki-iso-a1", "iso-a", a1);
        registered("ki-iso-a2", "iso-a", a2);
        Map<String, Object> grantB = registered("ki-iso-b1", "iso-b", b1);

        assertThat(grantA).containsEntry("endpointName", "iso-a").containsEntry("generation", 1)
                .containsEntry("imageCacheLocation", locationA).containsEntry("modelCacheLocation", locationA + "/models");
        assertThat(grantB).containsEntry("endpointName", "iso-b").containsEntry("imageCacheLocation", locationB);
        assertThat(grantA.toString()).doesNotContain(locationB).doesNotContain("iso-b");
        assertThat(grantB.toString()).doesNotContain(locationA).doesNotContain("iso-a");
        assertThat((String) grantA.get("peerToken")).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(grantB.get("peerToken"));

        Map<String, Object> beatA = beat("ki-iso-a1", a1);
        assertThat((Map<String, Object>) beatA.get("caches")).isEqualTo(grantA);
        assertThat((List<Map<String, Object>>) beatA.get("peers")).containsExactly(
                Map.of("instanceId", "ki-iso-a2", "agentUrl", "http://127.0.0.1:1/ki-iso-a2"));
        Map<String, Object> beatB = beat("ki-iso-b1", b1);
        assertThat((Map<String, Object>) beatB.get("caches")).isEqualTo(grantB);
        assertThat((List<?>) beatB.get("peers")).as("b1 is alone on its endpoint").isEmpty();
        assertThat(beatB.toString()).doesNotContain(locationA).doesNotContain("ki-iso-a");
    }

    @Test
    void aRegistrationWithoutTheInstancesOwnSecretGetsNoGrant() {
        endpointWithComponent("auth", "auth-llm", null);
        awaitCache("auth", readyGeneration(1));
        String secret = launched("ki-auth", "auth");
        String other = launched("ki-auth-other", "auth");

        register("ki-auth", "auth", AgentPaths.bearer(other)).expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/forbidden")
                .jsonPath("$.caches").doesNotExist()
                .jsonPath("$.detail").value(d -> assertThat((String) d).doesNotContain(other).doesNotContain(secret));
        register("ki-auth", "auth", null).expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer")
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/unauthorized")
                .jsonPath("$.caches").doesNotExist();
        register("ki-auth", "vol", AgentPaths.bearer(secret)).expectStatus().isForbidden()
                .expectBody().jsonPath("$.caches").doesNotExist();
        assertThat(instances.find("ki-auth").block().status()).isEqualTo(InstanceStatus.Pending);

        assertThat(registered("ki-auth", "auth", secret)).containsEntry("endpointName", "auth");
        heartbeat("ki-auth", AgentPaths.bearer(other), new Heartbeat(List.of())).expectStatus().isForbidden()
                .expectBody().jsonPath("$.caches").doesNotExist().jsonPath("$.copies").doesNotExist();
        heartbeat("ki-auth", null, new Heartbeat(List.of())).expectStatus().isUnauthorized();
    }

    @Test
    @SuppressWarnings("unchecked")
    void modelCacheEnabledFalseKeepsTheModelOutOfTheVolume() {
        String spec = Fixtures.component("nomodel-llm", "nomodel", 1, 1, "{}")
                .replace("\"computeResourceRequirements\"", "\"modelCacheEnabled\":false,\"computeResourceRequirements\"");
        endpointWithComponent("nomodel", "nomodel-llm", spec);
        client().get().uri("/v1/inference-components/nomodel-llm").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.specification.modelCacheEnabled").isEqualTo(false);
        Map<String, Object> c = awaitCache("nomodel", readyGeneration(1));
        assertThat((Map<String, Object>) c.get("plan")).containsEntry("models", List.of());
        assertThat(((Number) c.get("modelBytes")).longValue()).isZero();
        String secret = launched("ki-nomodel", "nomodel");
        Map<String, Object> grant = registered("ki-nomodel", "nomodel", secret);
        assertThat(grant).containsEntry("imageCacheLocation", c.get("readyLocation"));
        assertThat(grant.get("modelCacheLocation")).isNull();

        // Switching it on (SageMaker's spelling is accepted too) rebuilds with the model, and rolls no copy.
        String update = """
                {"specification":{"container":{"image":"%s","artifactUrl":"%s","environment":{}},"ModelCacheEnabled":true,
                 "computeResourceRequirements":{"numberOfAcceleratorDevicesRequired":1,"numberOfCpuCoresRequired":1,
                 "minMemoryRequiredInMb":2048}}}""".formatted(Fixtures.IMAGE, Fixtures.MODEL);
        client().put().uri("/v1/inference-components/nomodel-llm").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(update).exchange().expectStatus().is2xxSuccessful()
                .expectBody().jsonPath("$.specification.modelCacheEnabled").isEqualTo(true);
        assertThat(componentStore.find("nomodel-llm").block().specRevision()).isEqualTo(1);
        Map<String, Object> rebuilt = awaitCache("nomodel", readyGeneration(2));
        assertThat(rebuilt.get("buildReason")).isEqualTo("plan-changed");
        assertThat((Map<String, Object>) rebuilt.get("plan")).containsEntry("models", List.of(Fixtures.MODEL));
        // An instance launched since gets the new volume; one launched before was not given it at launch, and is not now.
        String later = launched("ki-nomodel-later", "nomodel");
        assertThat(registered("ki-nomodel-later", "nomodel", later))
                .containsEntry("generation", 2)
                .containsEntry("modelCacheLocation", rebuilt.get("readyLocation") + "/models");
        Map<String, Object> before = (Map<String, Object>) beat("ki-nomodel", secret).get("caches");
        assertThat(before).containsEntry("generation", 0).containsEntry("peerToken", grant.get("peerToken"));
        assertThat(before.get("imageCacheLocation")).isNull();
        assertThat(before.get("modelCacheLocation")).isNull();
    }

    @Test
    void modelCacheEnabledMustBeABoolean() {
        post("/v1/endpoint-configs", Fixtures.config("badflag-cfg", "ml.g5.xlarge", 1));
        post("/v1/endpoints", Fixtures.endpoint("badflag", "badflag-cfg"));
        String spec = Fixtures.component("badflag-llm", "badflag", 1, 1, "{}")
                .replace("\"computeResourceRequirements\"", "\"modelCacheEnabled\":\"no\",\"computeResourceRequirements\"");
        client().post().uri("/v1/inference-components").contentType(MediaType.APPLICATION_JSON).bodyValue(spec).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("specification.modelCacheEnabled")
                .jsonPath("$.errors[0].rule").isEqualTo("must be true or false");
        client().get().uri("/v1/inference-components/badflag-llm").exchange().expectStatus().isNotFound();
    }

    @Test
    void aFaultReportedInTheReadyVolumeRebuildsItOnce() {
        endpointWithComponent("faulty", "faulty-llm", null);
        awaitCache("faulty", readyGeneration(1));
        String secret = launched("ki-faulty", "faulty");
        registered("ki-faulty", "faulty", secret);
        copyStore.insert(new Copy("kc-faulty", "faulty-llm", "ki-faulty", 1, 1, 1000, 2048, CopyStatus.Pending, null, null,
                Instant.now(), null, null)).block();

        // The copy started; the agent found a layer corrupt in generation 1 (twice, as it retried), and pulled it.
        Instant t = Instant.now();
        CopyStartup.CacheFault corrupt = new CopyStartup.CacheFault(CopyStartup.IMAGE, "endpoint-image-cache",
                CopyStartup.CacheFault.CORRUPT, "sha256:" + "ab".repeat(32), 1L, "hashes to sha256:00..");
        CopyStartup startup = new CopyStartup(List.of(new CopyStartup.Phase(CopyStartup.IMAGE, t.minusSeconds(1), t, 10L, 10L)),
                List.of(new CopyStartup.TierUsage(CopyStartup.IMAGE, "registry", 1, 10)), List.of("corrupt"),
                List.of(new CopyStartup.BlobSource(CopyStartup.IMAGE, "sha256:" + "ab".repeat(32), 10, "registry", 0.5)),
                List.of(corrupt, corrupt));
        Heartbeat report = new Heartbeat(List.of(new CopyReport("kc-faulty", CopyState.InService, "http://127.0.0.1:1/m",
                null, t, startup)));
        heartbeat("ki-faulty", AgentPaths.bearer(secret), report).expectStatus().isOk();

        Map<String, Object> rebuilt = awaitCache("faulty", readyGeneration(2));
        assertThat(rebuilt.get("buildReason")).isEqualTo("fault: 1 fault reported on generation 1");
        assertThat(rebuilt.get("faults")).isEqualTo(0);
        assertThat(scrape()).containsPattern(
                "kindling_endpoint_cache_faults_total\\{[^}]*endpoint=\"faulty\"[^}]*kind=\"corrupt\"[^}]*} 1\\.0");

        // The same start reported again is not counted again.
        heartbeat("ki-faulty", AgentPaths.bearer(secret), report).expectStatus().isOk();
        assertThat(caches("faulty").get("faults")).isEqualTo(0);
        assertThat(scrape()).containsPattern(
                "kindling_endpoint_cache_faults_total\\{[^}]*endpoint=\"faulty\"[^}]*kind=\"corrupt\"[^}]*} 1\\.0");
    }

    @Test
    void deletingTheEndpointDeletesItsVolume() {
        endpointWithComponent("bye", "bye-llm", null);
        Path volume = Path.of((String) awaitCache("bye", readyGeneration(1)).get("readyLocation"));
        assertThat(volume).isDirectory();

        client().delete().uri("/v1/endpoints/bye").exchange().expectStatus().is2xxSuccessful();
        // What the reconciler does last for a deleting endpoint (it is off here): its components, then the endpoint.
        componentStore.delete("bye-llm").block();
        endpointStore.delete("bye").block();

        Awaitility.await().atMost(WAIT).until(() -> !Files.exists(volume));
        assertThat(volumes.directory().resolve("bye")).doesNotExist();
        client().get().uri("/v1/endpoints/bye/caches").exchange().expectStatus().isNotFound();
    }
}
