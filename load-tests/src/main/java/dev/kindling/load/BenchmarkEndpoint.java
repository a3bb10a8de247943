package dev.kindling.load;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * An endpoint a benchmark creates for itself: one {@code ml.m5.large} instance and one inference component with one
 * copy of the emulated model server, answering at once ({@code KINDLING_EMULATED_LATENCY_MILLIS=0}).
 *
 * @param name the endpoint's name; its config, component and image are named after it
 * @param component the inference component's name
 * @param modelServer the copy's model server, as the copies API lists it
 */
public record BenchmarkEndpoint(String name, String component, URI modelServer) {

    /** Creates the endpoint, its image and its component, and waits (at most {@code timeout}) until the copy serves. */
    public static BenchmarkEndpoint create(KindlingApi api, String name, Duration timeout) {
        String config = name + "-config";
        String component = name + "-model";
        String image = name + "/model-server:1";
        api.create("/v1/endpoint-configs", """
                {"endpointConfigName":"%s","productionVariants":[{"variantName":"AllTraffic",
                 "instanceType":"ml.m5.large","initialInstanceCount":1}]}""".formatted(config));
        api.create("/v1/endpoints", """
                {"endpointName":"%s","endpointConfigName":"%s"}""".formatted(name, config));
        api.create("/v1/registry/generated-images", """
                {"image":"%s","layers":[{"sizeBytes":65536}]}""".formatted(image));
        api.create("/v1/inference-components", """
                {"inferenceComponentName":"%s","endpointName":"%s","variantName":"AllTraffic",
                 "specification":{"container":{"image":"%s","environment":{"KINDLING_EMULATED_LATENCY_MILLIS":"0"}},
                   "computeResourceRequirements":{"numberOfCpuCoresRequired":1,"minMemoryRequiredInMb":1024}},
                 "runtimeConfig":{"copyCount":1}}""".formatted(component, name, image));

        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode state = null;
        while (System.nanoTime() < deadline) {
            state = api.get("/v1/inference-components/" + component);
            String status = state.path("inferenceComponentStatus").asString();
            if ("Failed".equals(status)) {
                throw new IllegalStateException("component " + component + " failed: " + state.path("failureReason"));
            }
            if ("InService".equals(status) && state.path("runtimeConfig").path("currentCopyCount").asInt() == 1
                    && "InService".equals(api.get("/v1/endpoints/" + name).path("endpointStatus").asString())) {
                for (JsonNode copy : api.get("/v1/inference-components/" + component + "/copies")) {
                    if ("InService".equals(copy.path("status").asString()) && copy.hasNonNull("modelServerUrl")) {
                        return new BenchmarkEndpoint(name, component, URI.create(copy.get("modelServerUrl").asString()));
                    }
                }
            }
            sleep(200);
        }
        throw new IllegalStateException("component " + component + " not InService with one copy within "
                + timeout.toSeconds() + " s: " + state);
    }

    /** The copy's model server, straight. */
    public InvocationTarget direct() {
        return new InvocationTarget("direct", modelServer.resolve("/invocations"), Map.of());
    }

    /** The same copy through Kindling's invocation router. */
    public InvocationTarget router(URI kindling) {
        return new InvocationTarget("router", kindling.resolve("/v1/endpoints/" + name + "/invocations"),
                Map.of("X-Amzn-SageMaker-Inference-Component", component));
    }

    /**
     * Deletes the endpoint (its component and instance go with it), waits for it to be gone, then deletes its config
     * and its image's tag: for a Kindling that outlives the benchmark.
     */
    public void delete(KindlingApi api, Duration timeout) {
        api.delete("/v1/endpoints/" + name);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (api.status("/v1/endpoints/" + name) != 404) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("endpoint " + name + " still there " + timeout.toSeconds() + " s after its deletion");
            }
            sleep(200);
        }
        api.delete("/v1/endpoint-configs/" + name + "-config");
        api.delete("/v1/registry/repositories/" + name + "/model-server/tags/1");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
