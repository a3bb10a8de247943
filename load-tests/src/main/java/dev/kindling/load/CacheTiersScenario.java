package dev.kindling.load;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scale-out the cache-tier benchmark measures: the published Qwen3-8B case on {@code ml.g6.2xlarge} (a 17.7 GB
 * image, a 16 GB model; 525 s without caches, 258 s with SageMaker's container image cache) scaled down by
 * {@code scale}. Image and model bytes are divided by it, and so are the instance type's network and disk rates,
 * so every transfer takes as long as its full-size original; then Kindling's {@code time-scale} shrinks launch delay
 * and transfers alike, so a run is short and measured seconds divided by the time scale are cloud seconds.
 *
 * @param scale bytes and rates are divided by this (1 to 5000: the catalog's rates have a floor)
 * @param timeScale Kindling's {@code kindling.fleet.local.time-scale}: real seconds per cloud second
 * @param containerStartupSeconds cloud seconds the emulated model server answers {@code /ping} with 503 after start
 *        (loading weights onto the GPU); 0 by default
 * @param launchDelaySeconds the instance type's launch delay in cloud seconds; the catalog's
 *        ({@link #LAUNCH_DELAY_SECONDS}) by default
 */
public record CacheTiersScenario(long scale, double timeScale, double containerStartupSeconds, double launchDelaySeconds) {

    public static final String INSTANCE_TYPE = "ml.g6.2xlarge";
    /** The catalog's figures for {@link #INSTANCE_TYPE}: EC2's baseline bandwidth, a default gp3 volume's writes. */
    public static final double NETWORK_GBPS = 5;
    public static final double DISK_WRITE_MIBPS = 125;
    /** The catalog's launch delay, kept by default (never divided by {@code scale}: it moves no bytes). */
    public static final double LAUNCH_DELAY_SECONDS = 150;
    public static final double PUBLISHED_NO_CACHE_SECONDS = 525;
    public static final double PUBLISHED_IMAGE_CACHE_SECONDS = 258;

    /** 17.7 GB in layers as an inference image has them: one large (CUDA, PyTorch), a few medium, small ones. */
    static final List<Long> FULL_IMAGE_LAYER_BYTES = List.of(10_000_000_000L, 4_500_000_000L, 2_000_000_000L,
            900_000_000L, 250_000_000L, 50_000_000L);

    /** 16 GB as the model's files in S3: four safetensors shards and the tokenizer and config. */
    static final Map<String, Long> FULL_MODEL_OBJECT_BYTES = fullModelObjects();

    private static Map<String, Long> fullModelObjects() {
        Map<String, Long> objects = new LinkedHashMap<>();
        objects.put("model-00001-of-00004.safetensors", 3_995_000_000L);
        objects.put("model-00002-of-00004.safetensors", 3_995_000_000L);
        objects.put("model-00003-of-00004.safetensors", 3_995_000_000L);
        objects.put("model-00004-of-00004.safetensors", 4_003_000_000L);
        objects.put("tokenizer.json", 11_400_000L);
        objects.put("tokenizer_config.json", 599_300L);
        objects.put("config.json", 700L);
        return java.util.Collections.unmodifiableMap(objects);
    }

    /** One object of the model, as uploaded under the artifact's prefix. */
    public record ModelObject(String key, long bytes) {}

    public CacheTiersScenario {
        if (scale < 1 || scale > 5000) {
            throw new IllegalArgumentException("--scale must be between 1 and 5000 (the network rate "
                    + NETWORK_GBPS + " Gbps / scale must stay at least 0.001 Gbps), was " + scale);
        }
        if (!(timeScale > 0 && timeScale <= 10)) {
            throw new IllegalArgumentException("--time-scale must be greater than 0 and at most 10, was " + timeScale);
        }
        if (!(launchDelaySeconds >= 0 && launchDelaySeconds <= 3600)) {
            throw new IllegalArgumentException("--launch-delay-seconds must be between 0 and 3600, was " + launchDelaySeconds);
        }
        if (!(containerStartupSeconds >= 0 && containerStartupSeconds <= 3600)) {
            throw new IllegalArgumentException("--container-startup-seconds must be between 0 and 3600, was "
                    + containerStartupSeconds);
        }
    }

    /** The scenario with the catalog's launch delay. */
    public CacheTiersScenario(long scale, double timeScale, double containerStartupSeconds) {
        this(scale, timeScale, containerStartupSeconds, LAUNCH_DELAY_SECONDS);
    }

    /** Whether the launch delay is the catalog's, as the benchmark keeps it unless told otherwise. */
    public boolean catalogLaunchDelay() {
        return launchDelaySeconds == LAUNCH_DELAY_SECONDS;
    }

    /** The image's layers (each layer's file size), divided by the scale. */
    public List<Long> imageLayerBytes() {
        return FULL_IMAGE_LAYER_BYTES.stream().map(this::scaled).toList();
    }

    /** The model's objects, divided by the scale. */
    public List<ModelObject> modelObjects() {
        return FULL_MODEL_OBJECT_BYTES.entrySet().stream().map(e -> new ModelObject(e.getKey(), scaled(e.getValue()))).toList();
    }

    public long imageBytes() {
        return imageLayerBytes().stream().mapToLong(Long::longValue).sum();
    }

    public long modelBytes() {
        return modelObjects().stream().mapToLong(ModelObject::bytes).sum();
    }

    /** The instance type's network bandwidth divided by the scale: a scaled-down transfer takes the full one's time. */
    public double networkGbps() {
        return NETWORK_GBPS / scale;
    }

    public double diskWriteMibps() {
        return DISK_WRITE_MIBPS / scale;
    }

    /** Agents heartbeat once a cloud second: a copy's assignment and its report wait for one like in the cloud. */
    public long heartbeatIntervalMillis() {
        return Math.clamp(Math.round(1000 * timeScale), 50, 60_000);
    }

    /**
     * What an emulated instance should need, in cloud seconds, for a scale-out with no caches: launch, then image
     * and model side by side, bound by the slower of network (both downloaded) and disk (image blobs written and
     * unpacked, the model written). A yardstick for time-outs, not a result.
     */
    public double estimatedNoCacheCloudSeconds() {
        double image = FULL_IMAGE_LAYER_BYTES.stream().mapToLong(Long::longValue).sum();
        double model = FULL_MODEL_OBJECT_BYTES.values().stream().mapToLong(Long::longValue).sum();
        double network = (image + model) / (NETWORK_GBPS * 1e9 / 8);
        double disk = (2 * image + model) / (DISK_WRITE_MIBPS * (1 << 20));
        return launchDelaySeconds + Math.max(network, disk) + containerStartupSeconds;
    }

    /** How long one scale-out may take before the benchmark gives up: four times the estimate, at least 2 min. */
    public Duration scaleOutTimeout() {
        return Duration.ofSeconds(Math.max(120, Math.round(4 * estimatedNoCacheCloudSeconds() * timeScale)));
    }

    /** The emulated model server's {@code KINDLING_EMULATED_STARTUP_MILLIS}: the cloud startup in real time. */
    public long emulatedStartupMillis() {
        return Math.round(containerStartupSeconds * 1000 * timeScale);
    }

    /**
     * Kindling's settings for one mode: the time scale, the instance type's scaled rates (and its launch delay when
     * not the catalog's), heartbeats once a cloud second, the cache switches, and how long an idle instance is kept (at once
     * released where each repetition needs a new instance, kept where the warm one is the point).
     */
    public Map<String, String> kindlingProperties(CacheTierMode mode, int s3Port) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("kindling.fleet.local.time-scale", String.valueOf(timeScale));
        p.put("kindling.fleet.local.network-gbps[" + INSTANCE_TYPE + "]", String.valueOf(networkGbps()));
        p.put("kindling.fleet.local.disk-write-mibps[" + INSTANCE_TYPE + "]", String.valueOf(diskWriteMibps()));
        if (!catalogLaunchDelay()) {
            p.put("kindling.fleet.local.launch-delay-seconds[" + INSTANCE_TYPE + "]", String.valueOf(launchDelaySeconds));
        }
        p.put("kindling.fleet.local.heartbeat-interval-millis", String.valueOf(heartbeatIntervalMillis()));
        // Blobs, the unpacked image and the model, twice over: eviction must never be what a run measures.
        long needMib = 2 * (2 * imageBytes() + modelBytes()) / (1 << 20) + 1;
        p.put("kindling.fleet.local.disk-budget-mb", String.valueOf(Math.max(20_480, needMib)));
        p.put("kindling.registry.embedded.max-generated-image-bytes", String.valueOf(Math.max(8L << 30, 2 * imageBytes())));
        p.put("kindling.s3.embedded.port", String.valueOf(s3Port));
        p.put("kindling.cache.image-cache.enabled", String.valueOf(mode.imageCache()));
        p.put("kindling.cache.model-cache.enabled", String.valueOf(mode.modelCache()));
        p.put("kindling.cache.peer-fetch.enabled", String.valueOf(mode.peerFetch()));
        p.put("kindling.scaler.default-instance-scale-in-cooldown-seconds", mode.warmInstance() ? "86400" : "0");
        return p;
    }

    private long scaled(long fullBytes) {
        return Math.max(1, fullBytes / scale);
    }
}
