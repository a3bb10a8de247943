package dev.kindling.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * The same scale-out on the local fleet four ways, each in a fresh Kindling process configured for it: no caches
 * (the image from the registry, the model from S3), the endpoint's image cache only (SageMaker's tier), image and
 * model cache, and a warm existing instance (an idle instance that served the component before). The scenario is
 * the published Qwen3-8B case on {@code ml.g6.2xlarge} scaled down (see {@link CacheTiersScenario}), with real,
 * incompressible bytes; the launch delay is the catalog's unless told otherwise. Each mode runs several repetitions; the benchmark prints
 * per-phase medians in cloud seconds, the ratio of each mode's median total to the no-caches one against its target,
 * and the bytes each tier served, and draws the medians as a PNG chart.
 *
 * <p>A mode this Kindling cannot run (the per-endpoint caches missing) is reported as not run with the reason, the
 * others still run, and the benchmark fails at the end.
 *
 * <p>Arguments (all optional): {@code --reps=3 --scale=100 --time-scale=0.1 --container-startup-seconds=0
 * --launch-delay-seconds=150
 * --modes=no-caches,image-cache,image-model-cache,warm-instance --chart=docs/benchmarks/cache-tiers.png
 * --kindling-jar=endpoint-api/target/endpoint-api-0.1.0-SNAPSHOT.jar --kindling-jvm-options="-Xmx2g ..."
 * --cache-timeout-seconds=<4x a scale-out>}.
 */
public final class CacheTiersBenchmark {

    private CacheTiersBenchmark() {}

    public static void main(String[] args) {
        Map<String, String> a = new TreeMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            a.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int reps = Integer.parseInt(a.getOrDefault("reps", "3"));
        if (reps < 1) throw new IllegalArgumentException("--reps must be at least 1, was " + reps);
        CacheTiersScenario scenario = new CacheTiersScenario(Long.parseLong(a.getOrDefault("scale", "100")),
                Double.parseDouble(a.getOrDefault("time-scale", "0.1")),
                Double.parseDouble(a.getOrDefault("container-startup-seconds", "0")),
                Double.parseDouble(a.getOrDefault("launch-delay-seconds", String.valueOf(CacheTiersScenario.LAUNCH_DELAY_SECONDS))));
        List<CacheTierMode> modes = CacheTierMode.parse(a.getOrDefault("modes",
                CacheTierMode.ALL.stream().map(CacheTierMode::id).collect(Collectors.joining(","))));
        Path chart = Path.of(a.getOrDefault("chart", "docs/benchmarks/cache-tiers.png"));
        Path jar = Path.of(a.getOrDefault("kindling-jar", "endpoint-api/target/endpoint-api-0.1.0-SNAPSHOT.jar"));
        List<String> jvmOptions = a.getOrDefault("kindling-jvm-options", "").isBlank() ? List.of()
                : List.of(a.get("kindling-jvm-options").trim().split("\\s+"));
        Duration cacheTimeout = a.containsKey("cache-timeout-seconds")
                ? Duration.ofSeconds(Long.parseLong(a.get("cache-timeout-seconds"))) : scenario.scaleOutTimeout();

        printScenario(scenario, reps, modes);

        List<CacheTiersReport.ModeResult> results = new ArrayList<>();
        for (CacheTierMode mode : modes) {
            System.out.printf(Locale.ROOT, "%n== %s (%s) ==%n", mode.title(), mode.id());
            try {
                results.add(CacheTiersReport.ModeResult.measured(mode, runMode(mode, scenario, reps, jar, jvmOptions, cacheTimeout)));
            } catch (RuntimeException e) {
                String reason = e instanceof CacheTiersEndpoint.UnsupportedByKindling ? e.getMessage()
                        : e.getClass().getSimpleName() + ": " + e.getMessage();
                System.out.println("  NOT RUN: " + reason);
                results.add(CacheTiersReport.ModeResult.failed(mode, firstLine(reason)));
            }
        }

        CacheTiersReport report = new CacheTiersReport(scenario.timeScale(), results);
        System.out.printf(Locale.ROOT, "%nScale-out of one copy onto %s, medians over the repetitions in cloud seconds "
                + "(measured / %s); image and model run side by side (image ‖ model is their wall time), other is the control "
                + "plane's and the agents' reactions (placement, launch request, heartbeats):%n%n", CacheTiersScenario.INSTANCE_TYPE,
                scenario.timeScale());
        System.out.print(report.phaseTable());
        System.out.printf(Locale.ROOT, "%nBytes served per tier (median per scale-out):%n%n");
        System.out.print(report.tierTable());
        List<String> warnings = report.tierWarnings();
        if (!warnings.isEmpty()) {
            System.out.printf(Locale.ROOT, "%nWARNING: scale-outs served by another tier than their mode measures:%n");
            warnings.forEach(w -> System.out.println("  " + w));
        }
        new PhaseChart(String.format(Locale.ROOT, "Scale-out of one copy (Qwen3-8B on %s, scaled 1/%d): median seconds per phase",
                CacheTiersScenario.INSTANCE_TYPE, scenario.scale()), "cloud seconds", CacheTiersReport.chartPhases(), 1200)
                .write(report.chartRows(), chart);
        System.out.printf(Locale.ROOT, "%nChart: %s%n", chart.toAbsolutePath());
        System.out.println(report.allTargetsMet() ? "Every mode ran and met its target." : "Not every mode ran or met its target.");

        List<String> notRun = results.stream().filter(r -> !r.ran()).map(r -> r.mode().id()).toList();
        if (!notRun.isEmpty()) {
            throw new IllegalStateException(notRun.size() + " of " + results.size() + " modes did not run: " + notRun);
        }
    }

    private static void printScenario(CacheTiersScenario s, int reps, List<CacheTierMode> modes) {
        System.out.printf(Locale.ROOT, "Cache tiers: the published Qwen3-8B scale-out on %s (17.7 GB image, 16 GB model; "
                + "%.0f s without caches, %.0f s with SageMaker's image cache), scaled down %dx:%n", CacheTiersScenario.INSTANCE_TYPE,
                CacheTiersScenario.PUBLISHED_NO_CACHE_SECONDS, CacheTiersScenario.PUBLISHED_IMAGE_CACHE_SECONDS, s.scale());
        System.out.printf(Locale.ROOT, "  image %.1f MB in %d layers (%s MB), model %.1f MB in %d S3 objects; random bytes%n",
                s.imageBytes() / 1e6, s.imageLayerBytes().size(),
                s.imageLayerBytes().stream().map(b -> String.format(Locale.ROOT, "%.1f", b / 1e6)).collect(Collectors.joining(", ")),
                s.modelBytes() / 1e6, s.modelObjects().size());
        System.out.printf(Locale.ROOT, "  %s: network %s Gbps (%.0f / %d), disk writes %s MiB/s (%.0f / %d), so each transfer "
                + "takes its full-size time; launch delay %.0f s (%s)%n", CacheTiersScenario.INSTANCE_TYPE,
                s.networkGbps(), CacheTiersScenario.NETWORK_GBPS, s.scale(), s.diskWriteMibps(),
                CacheTiersScenario.DISK_WRITE_MIBPS, s.scale(), s.launchDelaySeconds(), s.catalogLaunchDelay()
                        ? "the catalog's, not scaled" : String.format(Locale.ROOT, "--launch-delay-seconds; the catalog's is %.0f s",
                        CacheTiersScenario.LAUNCH_DELAY_SECONDS));
        System.out.printf(Locale.ROOT, "  time scale %s: a cloud second takes %.3f s here (launch %.1f s, heartbeats every %d ms); "
                + "container start-up %.0f cloud s; estimate without caches %.0f cloud s; a scale-out may take %d s%n",
                s.timeScale(), s.timeScale(), s.launchDelaySeconds() * s.timeScale(), s.heartbeatIntervalMillis(),
                s.containerStartupSeconds(), s.estimatedNoCacheCloudSeconds(), s.scaleOutTimeout().toSeconds());
        System.out.printf(Locale.ROOT, "  modes %s, %d repetition(s) each, each mode in a fresh Kindling; %d cores; Java %s; "
                + "load (1, 5, 15 min) %s%n", modes, reps, Runtime.getRuntime().availableProcessors(), Runtime.version(), loadAverage());
    }

    private static List<ScaleOutTiming> runMode(CacheTierMode mode, CacheTiersScenario scenario, int reps, Path jar,
                                                List<String> jvmOptions, Duration cacheTimeout) {
        int s3Port = freePort();
        Map<String, String> properties = scenario.kindlingProperties(mode, s3Port);
        System.out.println("  Kindling settings: " + properties.entrySet().stream()
                .filter(e -> e.getKey().startsWith("kindling.cache.") || e.getKey().startsWith("kindling.scaler."))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
        long t0 = System.nanoTime();
        try (KindlingProcess kindling = KindlingProcess.start(jar, jvmOptions, properties, Duration.ofSeconds(180));
             KindlingApi api = new KindlingApi(kindling.url())) {
            try {
                System.out.printf(Locale.ROOT, "  Kindling on %s (pid %d) started in %.1f s%n", kindling.url(), kindling.pid(),
                        (System.nanoTime() - t0) / 1e9);
                checkInstanceType(api, scenario);
                CacheTiersEndpoint.uploadArtifacts(api, URI.create("http://127.0.0.1:" + s3Port), scenario);
                long setup = System.nanoTime();
                CacheTiersEndpoint endpoint = CacheTiersEndpoint.create(api, "cache-bench-" + mode.id(), scenario, mode.warmInstance());
                System.out.printf(Locale.ROOT, "  endpoint %s ready in %.1f s%s%n", endpoint.name(), (System.nanoTime() - setup) / 1e9,
                        mode.warmInstance() ? ": two instances each started a copy, one copy taken back" : "");
                if (mode.needsEndpointCache()) {
                    long wait = System.nanoTime();
                    JsonNode cache = endpoint.awaitCacheReady(cacheTimeout);
                    System.out.printf(Locale.ROOT, "  endpoint cache Ready after %.1f s more: %s%n", (System.nanoTime() - wait) / 1e9, cache);
                }
                List<ScaleOutTiming> timings = new ArrayList<>();
                for (int rep = 1; rep <= reps; rep++) {
                    ScaleOutTiming t = endpoint.measureScaleOut();
                    timings.add(t);
                    System.out.println("  " + describe(rep, reps, t, scenario.timeScale()));
                }
                return timings;
            } catch (RuntimeException e) {
                if (!(e instanceof CacheTiersEndpoint.UnsupportedByKindling)) {
                    System.out.println("  Kindling's log, last lines:\n" + kindling.logTail(30).indent(4));
                }
                throw e;
            }
        }
    }

    /** The catalog must show what the benchmark asked for: a mistyped override key would silently measure the cloud's rates. */
    private static void checkInstanceType(KindlingApi api, CacheTiersScenario s) {
        JsonNode type = null;
        for (JsonNode t : api.get("/v1/instance-types")) {
            if (CacheTiersScenario.INSTANCE_TYPE.equals(t.path("instanceType").asString())) type = t;
        }
        if (type == null) throw new IllegalStateException("this Kindling has no instance type " + CacheTiersScenario.INSTANCE_TYPE);
        double network = type.path("networkGbps").asDouble(), disk = type.path("diskWriteMibps").asDouble();
        double launch = type.path("launchDelaySeconds").asDouble();
        if (Math.abs(network - s.networkGbps()) > 1e-9 || Math.abs(disk - s.diskWriteMibps()) > 1e-9
                || Math.abs(launch - s.launchDelaySeconds()) > 1e-9) {
            throw new IllegalStateException("Kindling's catalog shows " + type + ", not the scenario's " + s.networkGbps()
                    + " Gbps, " + s.diskWriteMibps() + " MiB/s and a launch delay of " + s.launchDelaySeconds() + " s");
        }
        System.out.printf(Locale.ROOT, "  catalog: %s launches in %.0f s, network %s Gbps, disk writes %s MiB/s%n",
                CacheTiersScenario.INSTANCE_TYPE, launch, network, disk);
    }

    static String describe(int rep, int reps, ScaleOutTiming t, double timeScale) {
        return String.format(Locale.ROOT, "scale-out %d/%d: total %.1f s (%.2f s real) on %s instance: provision %.1f, image %.1f %s, "
                        + "model %.1f %s, start + health %.1f, other %.1f", rep, reps, t.totalSeconds() / timeScale,
                t.totalSeconds(), t.newInstance() ? "a new" : "an existing", t.provisionSeconds() / timeScale,
                t.imageSeconds() / timeScale, megabytes(t.tierBytes("image")), t.modelSeconds() / timeScale,
                megabytes(t.tierBytes("model")), t.startSeconds() / timeScale, t.otherSeconds() / timeScale);
    }

    private static String megabytes(Map<String, Long> tiers) {
        return tiers.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f MB", e.getKey(), e.getValue() / 1e6))
                .collect(Collectors.joining(", ", "(", ")"));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
