package dev.kindling.agent;

import dev.kindling.agent.cache.volume.BuildCacheCommand;
import dev.kindling.agent.registry.EcrCredentials;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.s3.S3FetchSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * Runs an agent on its own, as on an EC2 instance. {@code KINDLING_INSTANCE_ID}, {@code KINDLING_INSTANCE_TYPE} and
 * {@code KINDLING_CONTROL_PLANE_URL} say who it is and where to report. Optional: {@code KINDLING_HEARTBEAT_MILLIS}
 * (default 1000), {@code KINDLING_BIND_HOST} (127.0.0.1), {@code KINDLING_DATA_DIR} (/var/lib/kindling),
 * {@code KINDLING_DISK_BUDGET_MB} (no budget), {@code KINDLING_DEFAULT_REGISTRY} (none: images name their registry),
 * {@code KINDLING_ECR_MIRROR} (none), {@code KINDLING_IMAGE_CACHE_DIR} and {@code KINDLING_MODEL_CACHE_DIR} (none),
 * {@code KINDLING_S3_ENDPOINT} (none: AWS S3 in {@code AWS_REGION}, default us-east-1), {@code KINDLING_REGISTRY_AUTH}
 * ({@code ecr}: ECR tokens from the instance's AWS credentials, the default; {@code none}),
 * {@code KINDLING_REGISTRY_CHUNK_MIB} (32), {@code KINDLING_S3_CHUNK_MIB} (16) and {@code KINDLING_FETCH_PARALLELISM}
 * (cores + 1), {@code KINDLING_ENDPOINT_NAME} (the endpoint the instance was launched for, which the agent claims; none:
 * no endpoint cache) and {@code KINDLING_INSTANCE_SECRET} (the launch secret the agent proves its instance with; none).
 * A malformed value stops the agent with a message naming the variable.
 */
public final class Main {

    private Main() {}

    /** Runs the agent; {@code build-cache ...} builds an endpoint cache volume instead ({@link BuildCacheCommand}). */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && BuildCacheCommand.NAME.equals(args[0])) {
            System.exit(BuildCacheCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv(),
                    System.out, System.err));
        }
        AgentSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException | SdkException e) {
            settings = exit("invalid configuration: " + e.getMessage());
        }
        InstanceAgent agent = InstanceAgent.start(settings);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            done.countDown();
        }));
        while (!agent.isClosed()) {
            if (done.await(1, java.util.concurrent.TimeUnit.SECONDS)) break;
        }
    }

    /** The agent's settings from its environment; throws IllegalArgumentException saying what is wrong. */
    static AgentSettings settings() {
        String auth = optional("KINDLING_REGISTRY_AUTH", "ecr");
        RegistryCredentials credentials = switch (auth) {
            case "ecr" -> new EcrCredentials(EcrClient.create());
            case "none" -> RegistryCredentials.anonymous();
            default -> exit("KINDLING_REGISTRY_AUTH must be 'ecr' or 'none', was '" + auth + "'");
        };
        long budgetMb = number("KINDLING_DISK_BUDGET_MB", 0);
        String imageCache = optional("KINDLING_IMAGE_CACHE_DIR", "");
        String modelCache = optional("KINDLING_MODEL_CACHE_DIR", "");
        String s3Endpoint = optional("KINDLING_S3_ENDPOINT", "");
        int parallelism = (int) number("KINDLING_FETCH_PARALLELISM", 0);
        FetchSettings registryFetch = new FetchSettings(number("KINDLING_REGISTRY_CHUNK_MIB", 32) << 20,
                parallelism > 0 ? parallelism : FetchSettings.DEFAULTS.parallelism(), FetchSettings.DEFAULTS.chunkAttempts(),
                FetchSettings.DEFAULTS.chunkTimeout());
        S3FetchSettings s3Fetch = S3FetchSettings.DEFAULTS
                .withChunkBytes(number("KINDLING_S3_CHUNK_MIB", 16) << 20)
                .withParallelism(parallelism > 0 ? parallelism : S3FetchSettings.DEFAULTS.parallelism());
        DataPathSettings dataPath = new DataPathSettings(
                Path.of(optional("KINDLING_DATA_DIR", "/var/lib/kindling")),
                budgetMb <= 0 ? Long.MAX_VALUE : budgetMb << 20,
                registryFetch,
                new Registries.Settings(blankToNull(optional("KINDLING_DEFAULT_REGISTRY", "")),
                        blankToNull(optional("KINDLING_ECR_MIRROR", "")), credentials, Duration.ofSeconds(30)),
                new DataPathSettings.S3Access(s3Endpoint.isBlank() ? null : URI.create(s3Endpoint),
                        optional("AWS_REGION", "us-east-1"), null, s3Fetch),
                imageCache.isBlank() ? null : Path.of(imageCache),
                modelCache.isBlank() ? null : Path.of(modelCache),
                InstanceThroughput.UNLIMITED);
        return new AgentSettings(
                required("KINDLING_INSTANCE_ID"),
                required("KINDLING_INSTANCE_TYPE"),
                URI.create(required("KINDLING_CONTROL_PLANE_URL")),
                Duration.ofMillis(number("KINDLING_HEARTBEAT_MILLIS", 1000)),
                optional("KINDLING_BIND_HOST", "127.0.0.1"),
                dataPath,
                blankToNull(optional("KINDLING_ENDPOINT_NAME", "")),
                blankToNull(optional("KINDLING_INSTANCE_SECRET", "")));
    }

    private static String optional(String name, String fallback) {
        return System.getenv().getOrDefault(name, fallback);
    }

    private static long number(String name, long fallback) {
        String v = optional(name, "").trim();
        if (v.isEmpty()) return fallback;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return exit(name + " must be a whole number, was '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String required(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) exit("environment variable " + name + " is required");
        return v;
    }

    private static <T> T exit(String message) {
        System.err.println("kindling agent: " + message);
        System.exit(2);
        return null;
    }
}
