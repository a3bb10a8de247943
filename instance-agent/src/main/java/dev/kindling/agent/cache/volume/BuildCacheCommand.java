package dev.kindling.agent.cache.volume;

import dev.kindling.agent.cache.endpoint.VolumeContent;

import dev.kindling.agent.DataPathSettings;
import dev.kindling.agent.registry.EcrCredentials;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.s3.S3FetchSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * {@code build-cache --dir <d> --endpoint <e> --generation <n> --plan <plan.json>}: builds an endpoint's cache volume
 * in a directory, as the instance that prepares an EC2 cache snapshot runs it, and prints the volume's manifest (JSON)
 * on success. Registries and S3 are reached as the agent reaches them, configured by the same environment variables:
 * {@code KINDLING_DEFAULT_REGISTRY}, {@code KINDLING_ECR_MIRROR}, {@code KINDLING_REGISTRY_AUTH} ({@code ecr}, the
 * default, or {@code none}), {@code KINDLING_S3_ENDPOINT}, {@code AWS_REGION}, {@code KINDLING_REGISTRY_CHUNK_MIB},
 * {@code KINDLING_S3_CHUNK_MIB} and {@code KINDLING_FETCH_PARALLELISM}. Exits 0 when built, 1 when the build failed
 * (the message names the image or model), 2 on a usage or configuration error.
 */
public final class BuildCacheCommand {

    public static final String NAME = "build-cache";
    private static final Set<String> OPTIONS = Set.of("--dir", "--endpoint", "--generation", "--plan");

    private BuildCacheCommand() {}

    /** A usage or configuration error, for exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Runs the command ({@code args} without the command name); returns the exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Map<String, String> options;
        CacheVolumeBuilder.Settings settings;
        VolumePlan plan;
        long generation;
        try {
            options = options(args);
            generation = generation(options.get("--generation"));
            plan = plan(Path.of(options.get("--plan")));
            settings = settings(env);
        } catch (UsageException | IllegalArgumentException e) {
            err.println("kindling " + NAME + ": " + e.getMessage());
            err.println("usage: " + NAME + " --dir <directory> --endpoint <endpoint name> --generation <n> --plan <plan.json>");
            return 2;
        }
        try (CacheVolumeBuilder builder = new CacheVolumeBuilder(settings)) {
            VolumeContent built = builder.build(Path.of(options.get("--dir")), options.get("--endpoint"), generation, plan);
            out.println(built.toJson());
            return 0;
        } catch (CacheVolumeException e) {
            err.println("kindling " + NAME + ": " + e.getMessage());
            return 1;
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!OPTIONS.contains(name)) throw new UsageException("unknown argument '" + name + "'");
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) throw new UsageException(name + " needs a value");
            if (options.put(name, args[++i]) != null) throw new UsageException(name + " is given twice");
        }
        for (String o : OPTIONS) {
            if (!options.containsKey(o) || options.get(o).isBlank()) throw new UsageException(o + " is required");
        }
        return options;
    }

    private static long generation(String value) {
        try {
            long g = Long.parseLong(value);
            if (g < 1) throw new UsageException("--generation must be a positive whole number, was " + value);
            return g;
        } catch (NumberFormatException e) {
            throw new UsageException("--generation must be a positive whole number, was '" + value + "'");
        }
    }

    private static VolumePlan plan(Path file) {
        try {
            return VolumePlan.fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new UsageException("cannot read the plan " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new UsageException("the plan " + file + " is not {\"images\":[...],\"models\":[...]}: " + e.getMessage());
        }
    }

    /** Registries and S3 as the agent's environment configures them (see {@code Main}). */
    static CacheVolumeBuilder.Settings settings(Map<String, String> env) {
        String auth = env.getOrDefault("KINDLING_REGISTRY_AUTH", "ecr");
        RegistryCredentials credentials = switch (auth) {
            case "ecr" -> new EcrCredentials(EcrClient.create());
            case "none" -> RegistryCredentials.anonymous();
            default -> throw new UsageException("KINDLING_REGISTRY_AUTH must be 'ecr' or 'none', was '" + auth + "'");
        };
        int parallelism = (int) number(env, "KINDLING_FETCH_PARALLELISM", 0);
        FetchSettings fetch = new FetchSettings(number(env, "KINDLING_REGISTRY_CHUNK_MIB", 32) << 20,
                parallelism > 0 ? parallelism : FetchSettings.DEFAULTS.parallelism(), FetchSettings.DEFAULTS.chunkAttempts(),
                FetchSettings.DEFAULTS.chunkTimeout());
        S3FetchSettings s3Fetch = S3FetchSettings.DEFAULTS.withChunkBytes(number(env, "KINDLING_S3_CHUNK_MIB", 16) << 20)
                .withParallelism(parallelism > 0 ? parallelism : S3FetchSettings.DEFAULTS.parallelism());
        String s3Endpoint = env.getOrDefault("KINDLING_S3_ENDPOINT", "");
        return new CacheVolumeBuilder.Settings(fetch,
                new Registries.Settings(blankToNull(env.get("KINDLING_DEFAULT_REGISTRY")),
                        blankToNull(env.get("KINDLING_ECR_MIRROR")), credentials, Duration.ofSeconds(30)),
                new DataPathSettings.S3Access(s3Endpoint.isBlank() ? null : URI.create(s3Endpoint),
                        env.getOrDefault("AWS_REGION", "us-east-1"), null, s3Fetch));
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String v = env.getOrDefault(name, "").trim();
        if (v.isEmpty()) return fallback;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a whole number, was '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
