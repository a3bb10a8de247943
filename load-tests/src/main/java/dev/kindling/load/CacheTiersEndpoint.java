package dev.kindling.load;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * The endpoint the cache-tier benchmark scales out, in a Kindling of its own: an {@code ml.g6.2xlarge} variant with
 * managed instance scaling, and one inference component whose copy needs the instance's one GPU, so a copy more needs
 * an instance more unless an idle one is there. Its image is generated in the embedded registry and its model
 * uploaded to the embedded S3 store, both of random bytes, at the scenario's sizes.
 */
public final class CacheTiersEndpoint {

    static final String IMAGE = "kindling-bench/djl-inference:0.33.0-lmi15.0.0-cu128";
    static final String BUCKET = "kindling-bench-models";
    static final String MODEL_PREFIX = "qwen3-8b/";
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long a caches API that answers 404 may take to show a cache before the benchmark calls it missing. */
    private static final Duration CACHE_API_GRACE = Duration.ofSeconds(30);

    private final KindlingApi api;
    private final String name;
    private final String component;
    private final CacheTiersScenario scenario;
    private final boolean warm;
    /** Copies the component serves between scale-outs: one, on one instance; or on one of two when warm. */
    private static final int BASE_COPIES = 1;

    private CacheTiersEndpoint(KindlingApi api, String name, CacheTiersScenario scenario, boolean warm) {
        this.api = api;
        this.name = name;
        this.component = name + "-qwen3-8b";
        this.scenario = scenario;
        this.warm = warm;
    }

    public String name() {
        return name;
    }

    /** Puts the image into the embedded registry and the model into the embedded S3 store at {@code s3}. */
    public static void uploadArtifacts(KindlingApi api, URI s3, CacheTiersScenario scenario) {
        StringBuilder layers = new StringBuilder();
        for (long bytes : scenario.imageLayerBytes()) {
            if (!layers.isEmpty()) layers.append(',');
            layers.append("{\"sizeBytes\":").append(bytes).append('}');
        }
        JsonNode image = api.create("/v1/registry/generated-images",
                "{\"image\":\"%s\",\"layers\":[%s],\"seed\":1}".formatted(IMAGE, layers));
        System.out.printf(Locale.ROOT, "  image %s: %.1f MB in %d blobs, generated in %.1f s%n", image.path("reference").asString(),
                image.path("bytes").asLong() / 1e6, image.path("blobs").asInt(), image.path("seconds").asDouble());
        long t0 = System.nanoTime();
        api.putBucket(s3.resolve("/" + BUCKET));
        long seed = 100;
        for (CacheTiersScenario.ModelObject o : scenario.modelObjects()) {
            api.putRandomObject(s3.resolve("/" + BUCKET + "/" + MODEL_PREFIX + o.key()), o.bytes(), seed++);
        }
        System.out.printf(Locale.ROOT, "  model %s: %.1f MB in %d objects, uploaded in %.1f s%n", artifactUrl(),
                scenario.modelBytes() / 1e6, scenario.modelObjects().size(), (System.nanoTime() - t0) / 1e9);
    }

    static String artifactUrl() {
        return "s3://" + BUCKET + "/" + MODEL_PREFIX;
    }

    /**
     * Creates the endpoint and its component and waits until it serves, ready for the first measured scale-out:
     * one copy on one instance, or, for a warm instance, two instances that each started a copy, then one copy
     * taken back so one instance is idle with everything in its store.
     */
    public static CacheTiersEndpoint create(KindlingApi api, String name, CacheTiersScenario scenario, boolean warm) {
        CacheTiersEndpoint e = new CacheTiersEndpoint(api, name, scenario, warm);
        int instances = warm ? 2 : 1;
        api.create("/v1/endpoint-configs", """
                {"endpointConfigName":"%s-config","productionVariants":[{"variantName":"AllTraffic",
                 "instanceType":"%s","initialInstanceCount":%d,
                 "managedInstanceScaling":{"status":"ENABLED","minInstanceCount":%d,"maxInstanceCount":2}}]}"""
                .formatted(name, CacheTiersScenario.INSTANCE_TYPE, instances, instances));
        api.create("/v1/endpoints", """
                {"endpointName":"%s","endpointConfigName":"%s-config"}""".formatted(name, name));
        e.await("endpoint " + name + " InService", e.setupTimeout(), () ->
                "InService".equals(api.get("/v1/endpoints/" + name).path("endpointStatus").asString())
                        ? Optional.of(true) : Optional.empty());
        long startupMillis = scenario.emulatedStartupMillis();
        api.create("/v1/inference-components", """
                {"inferenceComponentName":"%s","endpointName":"%s","variantName":"AllTraffic",
                 "specification":{"container":{"image":"%s","artifactUrl":"%s",
                     "environment":{"KINDLING_EMULATED_LATENCY_MILLIS":"0","KINDLING_EMULATED_STARTUP_MILLIS":"%d"}},
                   "computeResourceRequirements":{"numberOfAcceleratorDevicesRequired":1,"numberOfCpuCoresRequired":4,
                     "minMemoryRequiredInMb":16384},
                   "startupParameters":{"modelDataDownloadTimeoutInSeconds":3600,
                     "containerStartupHealthCheckTimeoutInSeconds":3600}},
                 "runtimeConfig":{"copyCount":%d}}""".formatted(e.component, name, IMAGE, artifactUrl(), startupMillis,
                instances));
        e.awaitCopies(instances, e.setupTimeout());
        if (warm) e.scaleTo(1, e.setupTimeout());
        e.awaitInstances(instances, e.setupTimeout());
        return e;
    }

    /**
     * Waits until the endpoint's cache ({@code GET /v1/endpoints/{name}/caches}) is Ready. A Kindling without the
     * per-endpoint caches of issue 5 answers that path 404 or 405 for good: then this fails saying so.
     */
    public JsonNode awaitCacheReady(Duration timeout) {
        String path = "/v1/endpoints/" + name + "/caches";
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = api.probe(path);
            last = "HTTP " + r.statusCode() + " " + r.body();
            if (r.statusCode() == 404 || r.statusCode() == 405) {
                // No route at all (Spring's "No static resource") is final; another 404 may be a cache not made yet.
                boolean noRoute = r.statusCode() == 405 || r.body().contains("No static resource");
                if (noRoute || System.nanoTime() - start > CACHE_API_GRACE.toNanos()) {
                    System.out.println("  GET " + path + " answered " + last);
                    throw new UnsupportedByKindling("this Kindling has no per-endpoint caches (issue 5): GET " + path
                            + " answers HTTP " + r.statusCode());
                }
            } else if (r.statusCode() == 200) {
                JsonNode cache = KindlingApi.json(r.body());
                String status = status(cache);
                if ("Ready".equals(status)) return cache;
                if ("Failed".equals(status)) {
                    throw new IllegalStateException("the cache of endpoint " + name + " failed to build: " + r.body());
                }
            } else {
                throw new IllegalStateException("GET " + path + ": " + last);
            }
            sleep(POLL);
        }
        throw new IllegalStateException("the cache of endpoint " + name + " was not Ready within " + timeout.toSeconds()
                + " s; last answer: " + last);
    }

    /**
     * The measured scale-out: one copy more through the runtime-config API, timed until the new copy serves, then
     * the copy taken back (and, when each scale-out needs a new instance, the idle instance released) so the next
     * repetition starts where this one did.
     */
    public ScaleOutTiming measureScaleOut() {
        Set<String> copiesBefore = ids(copies(), "copyId");
        Set<String> instancesBefore = ids(liveInstances(), "instanceId");
        Instant requestedAt = Instant.now();
        api.put("/v1/inference-components/" + component + "/runtime-config", "{\"copyCount\":" + (BASE_COPIES + 1) + "}");
        JsonNode copy = await("a new copy of " + component + " InService", scenario.scaleOutTimeout(), () -> {
            JsonNode c = null;
            for (JsonNode x : copies()) {
                if (copiesBefore.contains(x.path("copyId").asString())) continue;
                if ("Failed".equals(x.path("status").asString())) {
                    throw new IllegalStateException("the new copy " + x.path("copyId").asString() + " failed: "
                            + x.path("failureReason").asString());
                }
                if ("InService".equals(x.path("status").asString()) && x.hasNonNull("readyAt")) c = x;
            }
            return Optional.ofNullable(c);
        });
        String instanceId = copy.path("instanceId").asString();
        JsonNode instance = api.get("/v1/instances/" + instanceId);
        boolean newInstance = !instancesBefore.contains(instanceId);
        if (newInstance == warm) {
            throw new IllegalStateException("the new copy landed on " + (newInstance ? "a new" : "an existing") + " instance "
                    + instanceId + ", but this mode measures " + (warm ? "an idle warm instance" : "a new instance"));
        }
        ScaleOutTiming timing = ScaleOutTiming.of(requestedAt, copy, instance, newInstance);
        awaitCopies(BASE_COPIES + 1, setupTimeout());
        scaleTo(BASE_COPIES, setupTimeout());
        awaitInstances(warm ? 2 : 1, setupTimeout());
        return timing;
    }

    private void scaleTo(int copies, Duration timeout) {
        api.put("/v1/inference-components/" + component + "/runtime-config", "{\"copyCount\":" + copies + "}");
        awaitCopies(copies, timeout);
    }

    /** Waits until the component is InService with exactly {@code n} copies, all InService. */
    private void awaitCopies(int n, Duration timeout) {
        await(n + " copies of " + component + " InService", timeout, () -> {
            JsonNode c = api.get("/v1/inference-components/" + component);
            String status = c.path("inferenceComponentStatus").asString();
            if ("Failed".equals(status)) {
                throw new IllegalStateException("component " + component + " failed: " + c.path("failureReason").asString());
            }
            if (!"InService".equals(status) || c.path("runtimeConfig").path("currentCopyCount").asInt() != n) return Optional.empty();
            List<JsonNode> copies = copies();
            return copies.size() == n && copies.stream().allMatch(x -> "InService".equals(x.path("status").asString()))
                    ? Optional.of(true) : Optional.empty();
        });
    }

    /** Waits until the endpoint has exactly {@code n} instances that are not on their way out. */
    private void awaitInstances(int n, Duration timeout) {
        await(n + " instance(s) of " + name, timeout, () -> liveInstances().size() == n ? Optional.of(true) : Optional.empty());
    }

    private List<JsonNode> copies() {
        List<JsonNode> out = new ArrayList<>();
        api.get("/v1/inference-components/" + component + "/copies").forEach(out::add);
        return out;
    }

    /** The endpoint's instances launched or serving (not Terminating or Terminated), every page. */
    private List<JsonNode> liveInstances() {
        List<JsonNode> out = new ArrayList<>();
        String token = null;
        do {
            JsonNode page = api.get("/v1/instances?maxResults=100&endpointNameEquals=" + name
                    + (token == null ? "" : "&nextToken=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8)));
            for (JsonNode i : page.path("items")) {
                String status = i.path("status").asString();
                if ("Pending".equals(status) || "InService".equals(status)) out.add(i);
            }
            token = page.hasNonNull("nextToken") ? page.get("nextToken").asString() : null;
        } while (token != null);
        return out;
    }

    /** The cache's {@code status} (or a field named like {@code cacheStatus}): Building, Ready or Failed. */
    static String status(JsonNode cache) {
        if (cache.path("status").isString()) return cache.get("status").asString();
        for (var e : cache.properties()) {
            if (e.getKey().toLowerCase(Locale.ROOT).endsWith("status") && e.getValue().isString()) return e.getValue().asString();
        }
        return null;
    }

    private static Set<String> ids(List<JsonNode> nodes, String field) {
        Set<String> ids = new HashSet<>();
        nodes.forEach(n -> ids.add(n.path(field).asString()));
        return ids;
    }

    /** Set-up steps (an instance's launch and a cold start, or a scale-in) take at most a scale-out's time. */
    private Duration setupTimeout() {
        return scenario.scaleOutTimeout();
    }

    private <T> T await(String what, Duration timeout, Supplier<Optional<T>> check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> done = check.get();
            if (done.isPresent()) return done.get();
            sleep(POLL);
        }
        throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A mode this Kindling cannot run: it lacks what the mode measures. */
    public static final class UnsupportedByKindling extends RuntimeException {
        public UnsupportedByKindling(String message) {
            super(message);
        }
    }
}
