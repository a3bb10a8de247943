package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.cache.endpoint.VolumeContent;
import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import dev.kindling.api.caches.LocalCacheVolumes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

/**
 * Endpoint caches on the local fleet, end to end with real agents: once an endpoint's volume is ready, a copy on a new
 * instance gets its image from the endpoint image cache and its model from the endpoint model cache (and, with
 * {@code modelCacheEnabled: false}, its model from S3); a blob corrupted in the ready volume makes the next new
 * instance pull that blob from the registry, report the fault, and the volume is rebuilt; deleting the endpoint
 * deletes its volumes. Peer fetch is off here, so what the endpoint caches miss comes from the registry and S3.
 */
@TestPropertySource(properties = {
        "kindling.cache.peer-fetch.enabled=false",
        "kindling.cache.interval-millis=200"
})
class EndpointCacheFleetIT extends ApiTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    private LocalCacheVolumes volumes;

    private Map<String, Object> caches(String endpoint) {
        return client().get().uri("/v1/endpoints/" + endpoint + "/caches").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
    }

    private Map<String, Object> awaitCache(String endpoint, Predicate<Map<String, Object>> until) {
        return Awaitility.await().atMost(WAIT).until(() -> caches(endpoint), until);
    }

    private static Predicate<Map<String, Object>> readyGeneration(int generation) {
        return c -> "Ready".equals(c.get("status")) && Integer.valueOf(generation).equals(c.get("readyGeneration"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> tiers(Map<String, Object> copy, String artifact) {
        Map<String, Object> startup = (Map<String, Object>) copy.get("startup");
        return ((List<Map<String, Object>>) startup.get("tiers")).stream()
                .filter(t -> artifact.equals(t.get("artifact"))).map(t -> (String) t.get("tier")).toList();
    }

    private void copies(String component, int count) {
        client().put().uri("/v1/inference-components/" + component + "/runtime-config").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"copyCount\":" + count + "}").exchange().expectStatus().isAccepted();
    }

    private Set<String> instancesOf(String component) {
        return copies(component).stream().map(c -> (String) c.get("instanceId")).collect(Collectors.toSet());
    }

    /** Scales to {@code count} copies, one more, on a new instance; returns that copy once it serves. */
    private Map<String, Object> copyOnANewInstance(String component, int count) {
        Set<String> before = instancesOf(component);
        copies(component, count);
        awaitComponent(component, "InService", count);
        List<Map<String, Object>> fresh = copies(component).stream()
                .filter(c -> !before.contains((String) c.get("instanceId"))).toList();
        assertThat(fresh).as("the new copy landed on a new instance").hasSize(1);
        return fresh.getFirst();
    }

    @Test
    void newInstancesStartFromTheEndpointsCachesAndAFaultyCacheFallsBackAndIsRebuilt() throws Exception {
        post("/v1/endpoint-configs", """
                {"endpointConfigName":"fc-cfg","productionVariants":[{"variantName":"AllTraffic",
                 "instanceType":"ml.g5.xlarge","initialInstanceCount":1,
                 "managedInstanceScaling":{"status":"ENABLED","minInstanceCount":1,"maxInstanceCount":4}}]}""");
        post("/v1/endpoints", Fixtures.endpoint("fc", "fc-cfg"));
        post("/v1/inference-components", Fixtures.component("fc-llm", "fc", 1, 1, "{}"));
        awaitComponent("fc-llm", "InService", 1);
        Map<String, Object> first = awaitCache("fc", readyGeneration(1));
        Path gen1 = Path.of((String) first.get("readyLocation"));

        // A copy on an instance launched after the volume was ready: image and model from the endpoint's caches.
        Map<String, Object> cached = copyOnANewInstance("fc-llm", 2);
        assertThat(tiers(cached, "image")).containsExactly("endpoint-image-cache");
        assertThat(tiers(cached, "model")).containsExactly("endpoint-model-cache");

        // The model cache switched off for the component: the next volume holds no model, and the model comes from S3.
        client().put().uri("/v1/inference-components/fc-llm").contentType(MediaType.APPLICATION_JSON).bodyValue("""
                {"specification":{"container":{"image":"%s","artifactUrl":"%s","environment":{}},"modelCacheEnabled":false,
                 "computeResourceRequirements":{"numberOfAcceleratorDevicesRequired":1,"numberOfCpuCoresRequired":1,
                 "minMemoryRequiredInMb":2048}}}""".formatted(Fixtures.IMAGE, Fixtures.MODEL))
                .exchange().expectStatus().is2xxSuccessful();
        Map<String, Object> second = awaitCache("fc", readyGeneration(2));
        assertThat(second.get("modelBytes")).isEqualTo(0);
        Map<String, Object> uncachedModel = copyOnANewInstance("fc-llm", 3);
        assertThat(tiers(uncachedModel, "image")).containsExactly("endpoint-image-cache");
        assertThat(tiers(uncachedModel, "model")).containsExactly("s3");

        // The unpacked image and a layer corrupted in the ready volume: the next new instance finds the tree changed,
        // falls back to the volume's blobs, pulls the bad layer from the registry, and reports both.
        Path gen2 = Path.of((String) second.get("readyLocation"));
        Path rootfs = gen2.resolve(VolumeContent.read(gen2).images().getFirst().rootfs());
        try (var files = Files.walk(rootfs)) {
            Path file = files.filter(Files::isRegularFile).max(Comparator.comparingLong(f -> f.toFile().length())).orElseThrow();
            byte[] content = Files.readAllBytes(file);
            content[content.length / 2] ^= 1;
            Files.write(file, content);
        }
        VolumeContent.Blob layer = VolumeContent.read(gen2).images().getFirst().blobs().stream()
                .max(Comparator.comparingLong(VolumeContent.Blob::size)).orElseThrow();
        Path layerFile = gen2.resolve("blobs/sha256").resolve(layer.digest().substring("sha256:".length()));
        byte[] bytes = Files.readAllBytes(layerFile);
        bytes[bytes.length / 2] ^= 1;
        Files.write(layerFile, bytes);
        Map<String, Object> fellBack = copyOnANewInstance("fc-llm", 4);
        assertThat(tiers(fellBack, "image")).contains("registry");
        Map<String, Object> rebuilt = awaitCache("fc", readyGeneration(3));
        assertThat((String) rebuilt.get("buildReason")).startsWith("fault: ").endsWith("on generation 2");
        String metrics = client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).containsPattern(
                "kindling_endpoint_cache_faults_total\\{[^}]*endpoint=\"fc\"[^}]*kind=\"corrupt\"[^}]*} [1-9]")
                .containsPattern("kindling_cache_hit_ratio\\{[^}]*artifact=\"image\"[^}]*endpoint=\"fc\"[^}]*} 0\\.[0-9]*[1-9]")
                .containsPattern("kindling_cache_time_saved_seconds_total\\{[^}]*artifact=\"image\"[^}]*endpoint=\"fc\"[^}]*} ");

        // Deleting the endpoint deletes every volume it had.
        client().delete().uri("/v1/endpoints/fc").exchange().expectStatus().is2xxSuccessful();
        Awaitility.await().atMost(WAIT).until(() -> !Files.exists(volumes.directory().resolve("fc")));
        assertThat(gen1).doesNotExist();
        assertThat(gen2).doesNotExist();
    }
}
