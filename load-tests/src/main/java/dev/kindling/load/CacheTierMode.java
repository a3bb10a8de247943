package dev.kindling.load;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One of the four ways the cache-tier benchmark runs the same scale-out, each in a Kindling process of its own
 * configured for it: which cache tiers are on, where the new copy lands, the target ratio to the run without
 * caches, and the tier each artifact should come from (a run served otherwise is flagged).
 *
 * @param id the mode's name on the command line ({@code --modes=})
 * @param title how tables and the chart name it
 * @param imageCache {@code kindling.cache.image-cache.enabled}
 * @param modelCache {@code kindling.cache.model-cache.enabled}
 * @param peerFetch {@code kindling.cache.peer-fetch.enabled}
 * @param warmInstance the new copy lands on an idle instance that served the component before, instead of a new one
 * @param targetRatio most the median total may be, as a fraction of the no-caches median; null for the baseline
 * @param expectedTiers per artifact ({@code image}, {@code model}), the tier that should serve most of its bytes
 */
public record CacheTierMode(String id, String title, boolean imageCache, boolean modelCache, boolean peerFetch,
                            boolean warmInstance, Double targetRatio, Map<String, String> expectedTiers) {

    public static final CacheTierMode NO_CACHES = new CacheTierMode("no-caches", "no caches (registry + S3)",
            false, false, false, false, null, Map.of("image", "registry", "model", "s3"));
    /** SageMaker's tier: a new instance starts with the endpoint's container images. */
    public static final CacheTierMode IMAGE_CACHE = new CacheTierMode("image-cache", "image cache only",
            true, false, false, false, 0.55, Map.of("image", "endpoint-image-cache", "model", "s3"));
    public static final CacheTierMode IMAGE_AND_MODEL_CACHE = new CacheTierMode("image-model-cache",
            "image + model cache", true, true, false, false, 0.25,
            Map.of("image", "endpoint-image-cache", "model", "endpoint-model-cache"));
    /** Kindling's defaults (every tier on); the copy finds everything in the instance's own store. */
    public static final CacheTierMode WARM_INSTANCE = new CacheTierMode("warm-instance", "warm existing instance",
            true, true, true, true, 0.10, Map.of("image", "local", "model", "local"));

    public static final List<CacheTierMode> ALL = List.of(NO_CACHES, IMAGE_CACHE, IMAGE_AND_MODEL_CACHE, WARM_INSTANCE);

    public CacheTierMode {
        expectedTiers = Map.copyOf(expectedTiers);
    }

    /** Whether the mode needs the per-endpoint caches of issue 5 (a Kindling without them cannot run it). */
    public boolean needsEndpointCache() {
        return imageCache && !warmInstance;
    }

    /** The modes named in a comma-separated list, in the benchmark's order. */
    public static List<CacheTierMode> parse(String ids) {
        List<String> wanted = Arrays.stream(ids.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String id : wanted) {
            if (ALL.stream().noneMatch(m -> m.id().equals(id))) {
                throw new IllegalArgumentException("--modes: unknown mode '" + id + "'; known: "
                        + String.join(",", ALL.stream().map(CacheTierMode::id).toList()));
            }
        }
        if (wanted.isEmpty()) throw new IllegalArgumentException("--modes: name at least one mode");
        return ALL.stream().filter(m -> wanted.contains(m.id())).toList();
    }

    @Override
    public String toString() {
        return id;
    }
}
