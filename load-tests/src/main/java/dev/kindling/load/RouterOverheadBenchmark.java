package dev.kindling.load;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * What Kindling's invocation router adds to an invocation: the same open-loop load (a fixed rate of small JSON
 * {@code POST}s over keep-alive connections, each timed from its intended send time) alternately straight to a
 * copy's model server and through the router ({@code POST /v1/endpoints/{endpoint}/invocations} naming the
 * component), in rounds, so both paths see the same machine, after a warm-up of each path that ramps up to the
 * rate. Prints each path's percentiles per round and overall, the difference (router minus direct) at p50 and p99,
 * the router's own view of its overhead (the {@code kindling_invocation_overhead_latency_seconds} histogram), and
 * whether the target (under 2 ms added at p99) was met.
 *
 * <p>Kindling runs as a process of its own: started from {@code --kindling-jar} (default
 * {@code endpoint-api/target/endpoint-api-0.1.0-SNAPSHOT.jar}) in a temporary directory and stopped at the end, or a
 * running one at {@code --kindling-url}. The model server is the local fleet's emulated one, answering at once.
 *
 * <p>Each measured phase follows a few seconds of the same load on the same path, not measured ({@code --settle-seconds}):
 * while the other path ran, this path's keep-alive connections sat idle for 15 to 30 s, and the router's pool closes
 * connections idle 20 s and the JDK's server (the emulated model server) those idle 30 s. Without it the phase
 * measured the reopening of up to 100 connections at full rate: the router's third round, after 30 s idle, was its
 * worst in five runs of six.
 *
 * <p>Arguments (all optional): {@code --rps=2000 --rounds=3 --seconds=15 --settle-seconds=3 --warmup-seconds=60 --timeout-millis=5000
 * --connections=100 --io-threads=<cores / 2> --paths=direct,router --kindling-jar=... --kindling-url=...
 * --kindling-jvm-options="-Xmx1g ..." --jfr=<file>} ({@code --jfr}: a flight recording of Kindling during the first
 * measured router phase, when the benchmark started Kindling).
 */
public final class RouterOverheadBenchmark {

    /** The target of issue 4: the router adds less than this at p99. */
    static final double TARGET_P99_OVERHEAD_MILLIS = 2.0;
    static final String OVERHEAD_METRIC = "kindling_invocation_overhead_latency_seconds";
    static final String MODEL_LATENCY_METRIC = "kindling_invocation_model_latency_seconds";
    private static final String BODY = "{\"inputs\":\"What is the capital of France?\",\"parameters\":{\"max_new_tokens\":16}}";

    private RouterOverheadBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new TreeMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            a.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        double rps = Double.parseDouble(a.getOrDefault("rps", "2000"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
        Duration phase = Duration.ofMillis(Math.round(Double.parseDouble(a.getOrDefault("seconds", "15")) * 1000));
        // 60 s: on 2 cores the JIT still compiles the router's reactive path after 30 s at 2000/s (its first round
        // then took a quarter more CPU per request than the next), and such a round measures the JIT, not the router.
        Duration warmup = Duration.ofMillis(Math.round(Double.parseDouble(a.getOrDefault("warmup-seconds", "60")) * 1000));
        Duration settle = Duration.ofMillis(Math.round(Double.parseDouble(a.getOrDefault("settle-seconds", "3")) * 1000));
        if (settle.isNegative()) throw new IllegalArgumentException("--settle-seconds must not be negative, was " + a.get("settle-seconds"));
        Duration timeout = Duration.ofMillis(Long.parseLong(a.getOrDefault("timeout-millis", "5000")));
        // Under the 200 idle connections the JDK's HttpServer (the emulated model server) keeps: past that it closes
        // connections the client would reuse, and those requests fail as premature closes.
        int connections = Integer.parseInt(a.getOrDefault("connections", "100"));
        int cores = Runtime.getRuntime().availableProcessors();
        int ioThreads = Integer.parseInt(a.getOrDefault("io-threads", String.valueOf(Math.max(1, cores / 2))));
        List<String> paths = List.of(a.getOrDefault("paths", "direct,router").split(","));
        Path jar = Path.of(a.getOrDefault("kindling-jar", "endpoint-api/target/endpoint-api-0.1.0-SNAPSHOT.jar"));
        List<String> jvmOptions = a.getOrDefault("kindling-jvm-options", "").isBlank() ? List.of()
                : List.of(a.get("kindling-jvm-options").trim().split("\\s+"));
        Optional<Path> jfr = Optional.ofNullable(a.get("jfr")).map(p -> Path.of(p).toAbsolutePath());
        for (String p : paths) {
            if (!p.equals("direct") && !p.equals("router")) throw new IllegalArgumentException("--paths: direct and/or router, not " + p);
        }

        System.out.printf(Locale.ROOT, "Router overhead: %.0f requests/s open loop, %d rounds of %d s per path (each after "
                        + "%.1f s of the same load, not measured) after %d s of warm-up each; %d-byte JSON body; up to %d "
                        + "keep-alive connections, %d client I/O thread(s); %d cores; Java %s%n", rps, rounds,
                phase.toSeconds(), settle.toMillis() / 1000.0, warmup.toSeconds(), BODY.length(), connections, ioThreads,
                cores, Runtime.version());
        System.out.println("Machine load (1, 5, 15 min) at start: " + loadAverage());

        KindlingProcess started = null;
        URI kindling;
        if (a.containsKey("kindling-url")) {
            kindling = URI.create(a.get("kindling-url"));
            System.out.println("Kindling: running at " + kindling);
        } else {
            long t0 = System.nanoTime();
            started = KindlingProcess.start(jar, jvmOptions, Duration.ofSeconds(180));
            kindling = started.url();
            KindlingProcess toStop = started;
            Runtime.getRuntime().addShutdownHook(new Thread(toStop::close, "stop-kindling"));
            System.out.printf(Locale.ROOT, "Kindling: %s started on %s (pid %d%s) in %.1f s%n", jar, kindling, started.pid(),
                    jvmOptions.isEmpty() ? "" : ", " + String.join(" ", jvmOptions), (System.nanoTime() - t0) / 1e9);
        }
        if (jfr.isPresent() && started == null) throw new IllegalArgumentException("--jfr needs a Kindling this benchmark starts");

        BenchmarkEndpoint endpoint = null;
        try (KindlingApi api = new KindlingApi(kindling);
             OpenLoopLoad load = new OpenLoopLoad(BODY, timeout, connections, ioThreads)) {
            String name = "router-bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
            long t0 = System.nanoTime();
            endpoint = BenchmarkEndpoint.create(api, name, Duration.ofSeconds(120));
            System.out.printf(Locale.ROOT, "Endpoint %s, component %s: one copy in service at %s after %.1f s%n%n", name,
                    endpoint.component(), endpoint.modelServer(), (System.nanoTime() - t0) / 1e9);

            List<InvocationTarget> targets = new ArrayList<>();
            if (paths.contains("direct")) targets.add(endpoint.direct());
            if (paths.contains("router")) targets.add(endpoint.router(kindling));
            for (InvocationTarget t : targets) probe(api, t);

            for (InvocationTarget t : targets) {
                // A ramp (a quarter, half, then the full rate, a third of the time each): a path still interpreted
                // by the JIT falls behind at the full rate at once and spends the warm-up draining its backlog.
                for (double share : new double[] {0.25, 0.5, 1.0}) {
                    PhaseResult w = load.run(t, rps * share, warmup.dividedBy(3));
                    System.out.printf(Locale.ROOT, "warm-up %-6s at %4.0f/s  %s%n", t.path(), rps * share, line(w, null, null));
                }
            }
            String before = targets.stream().anyMatch(t -> t.path().equals("router")) ? api.text("/actuator/prometheus") : null;

            Map<String, List<PhaseResult>> results = new LinkedHashMap<>();
            Map<String, List<Double>> kindlingCpu = new LinkedHashMap<>();
            Map<String, List<Double>> generatorCpu = new LinkedHashMap<>();
            targets.forEach(t -> {
                results.put(t.path(), new ArrayList<>());
                kindlingCpu.put(t.path(), new ArrayList<>());
                generatorCpu.put(t.path(), new ArrayList<>());
            });
            boolean recorded = false;
            System.out.println();
            for (int round = 1; round <= rounds; round++) {
                // Alternate which path goes first, so neither always runs on a machine the other just warmed.
                List<InvocationTarget> order = new ArrayList<>(targets);
                if (round % 2 == 0) java.util.Collections.reverse(order);
                for (InvocationTarget t : order) {
                    if (!settle.isZero()) load.run(t, rps, settle); // not measured: see the class comment
                    boolean record = jfr.isPresent() && !recorded && t.path().equals("router");
                    if (record) jcmd(started, "JFR.start", "name=router-bench", "settings=profile");
                    Optional<Duration> kindlingBefore = started == null ? Optional.empty() : started.cpuTime();
                    long generatorBefore = generatorCpuNanos();
                    PhaseResult r = load.run(t, rps, phase);
                    long generatorNanos = generatorCpuNanos() - generatorBefore;
                    Optional<Duration> kindlingAfter = started == null ? Optional.empty() : started.cpuTime();
                    if (record) {
                        jcmd(started, "JFR.stop", "name=router-bench", "filename=" + jfr.get());
                        recorded = true;
                    }
                    Double kcpu = kindlingBefore.isPresent() && kindlingAfter.isPresent()
                            ? kindlingAfter.get().minus(kindlingBefore.get()).toNanos() / 1e6 / r.sent() : null;
                    double gcpu = generatorNanos / 1e6 / r.sent();
                    results.get(t.path()).add(r);
                    if (kcpu != null) kindlingCpu.get(t.path()).add(kcpu);
                    generatorCpu.get(t.path()).add(gcpu);
                    System.out.printf(Locale.ROOT, "round %d %-6s %s%n", round, t.path(), line(r, kcpu, gcpu));
                }
                if (results.size() == 2) {
                    PhaseResult d = results.get("direct").getLast(), rr = results.get("router").getLast();
                    System.out.printf(Locale.ROOT, "round %d overhead (router - direct): p50 %+.3f ms, p99 %+.3f ms%n", round,
                            rr.latency().p50() - d.latency().p50(), rr.latency().p99() - d.latency().p99());
                }
            }
            String after = before == null ? null : api.text("/actuator/prometheus");
            System.out.println("Machine load (1, 5, 15 min) at end: " + loadAverage());
            if (jfr.isPresent() && recorded) System.out.println("Flight recording of the first router phase: " + jfr.get());

            report(rps, rounds, phase, results, kindlingCpu, generatorCpu, endpoint, before, after);
        } finally {
            if (started != null) {
                started.close();
            } else if (endpoint != null) {
                try (KindlingApi api = new KindlingApi(kindling)) {
                    endpoint.delete(api, Duration.ofSeconds(60));
                }
            }
        }
    }

    /** One request on a path before any load: a path that cannot answer stops the benchmark with what it said. */
    private static void probe(KindlingApi api, InvocationTarget t) {
        HttpResponse<String> r = api.invoke(t.uri(), t.headers(), BODY);
        if (r.statusCode() / 100 != 2) {
            String hint = t.path().equals("router") && r.statusCode() == 404
                    ? " (does this Kindling have the invocation router of issue 4?)" : "";
            throw new IllegalStateException("the " + t.path() + " path " + t.uri() + " answered HTTP " + r.statusCode()
                    + hint + ": " + r.body());
        }
    }

    private static void report(double rps, int rounds, Duration phase, Map<String, List<PhaseResult>> results,
                               Map<String, List<Double>> kindlingCpu, Map<String, List<Double>> generatorCpu,
                               BenchmarkEndpoint endpoint, String before, String after) {
        System.out.printf(Locale.ROOT, "%nOverall, %d rounds x %d s per path at %.0f requests/s (latency from the intended "
                + "send time, ms):%n", rounds, phase.toSeconds(), rps);
        System.out.printf(Locale.ROOT, "  %-6s %8s %8s %8s %8s %8s %9s %8s %10s %12s %14s %15s%n", "path", "p50", "p90", "p99",
                "p99.9", "max", "requests", "errors", "sent/s", "answered/s", "Kindling CPU", "generator CPU");
        Map<String, Histogram> merged = new LinkedHashMap<>();
        long errors = 0;
        for (var e : results.entrySet()) {
            Histogram h = new Histogram(3);
            Histogram lag = new Histogram(3);
            long sent = 0;
            double sendRate = 0, answerRate = 0;
            for (PhaseResult r : e.getValue()) {
                h.add(r.latencyMicros());
                lag.add(r.sendLagMicros());
                sent += r.sent();
                errors += r.errorCount();
                sendRate += r.sendRate() / e.getValue().size();
                answerRate += r.completionRate() / e.getValue().size();
            }
            merged.put(e.getKey(), h);
            LatencySummary s = LatencySummary.of(h);
            long pathErrors = e.getValue().stream().mapToLong(PhaseResult::errorCount).sum();
            System.out.printf(Locale.ROOT, "  %-6s %8.3f %8.3f %8.3f %8.3f %8.3f %9d %8d %10.1f %12.1f %10s ms/req %11s ms/req%n",
                    e.getKey(), s.p50(), s.p90(), s.p99(), s.p999(), s.max(), sent, pathErrors, sendRate, answerRate,
                    kindlingCpu.get(e.getKey()).isEmpty() ? "-" : String.format(Locale.ROOT, "%.3f", median(kindlingCpu.get(e.getKey()))),
                    String.format(Locale.ROOT, "%.3f", median(generatorCpu.get(e.getKey()))));
            System.out.printf(Locale.ROOT, "  %-6s generator send lag: p50 %.3f ms, p99 %.3f ms, max %.3f ms%n", "",
                    lag.getValueAtPercentile(50) / 1000.0, lag.getValueAtPercentile(99) / 1000.0, lag.getMaxValue() / 1000.0);
        }
        System.out.println("  (CPU: median over rounds of CPU time per request; Kindling's includes the emulated model "
                + "server, which runs in its JVM)");

        if (results.size() == 2) {
            LatencySummary d = LatencySummary.of(merged.get("direct"));
            LatencySummary r = LatencySummary.of(merged.get("router"));
            List<PhaseResult> ds = results.get("direct"), rs = results.get("router");
            List<Double> p50s = new ArrayList<>(), p99s = new ArrayList<>();
            for (int i = 0; i < ds.size(); i++) {
                p50s.add(rs.get(i).latency().p50() - ds.get(i).latency().p50());
                p99s.add(rs.get(i).latency().p99() - ds.get(i).latency().p99());
            }
            double p99Overhead = r.p99() - d.p99();
            System.out.printf(Locale.ROOT, "%nOverhead (router - direct): p50 %+.3f ms overall, %+.3f ms median of rounds; "
                    + "p99 %+.3f ms overall, %+.3f ms median of rounds%n", r.p50() - d.p50(), median(p50s), p99Overhead, median(p99s));
            System.out.printf(Locale.ROOT, "Ratio router p99 / direct p99: %.2f%n", r.p99() / d.p99());
            if (after != null) {
                System.out.println(routersView(endpoint, before, after));
            }
            System.out.printf(Locale.ROOT, "Target: the router adds < %.1f ms at p99: %s (%+.3f ms overall, %+.3f ms median of "
                            + "rounds)%n", TARGET_P99_OVERHEAD_MILLIS, p99Overhead < TARGET_P99_OVERHEAD_MILLIS ? "MET" : "NOT MET",
                    p99Overhead, median(p99s));
        }
        if (errors > 0) {
            System.out.println();
            System.out.println("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            System.out.printf(Locale.ROOT, "!!! THIS RUN HAD %d FAILED REQUESTS: the latencies above leave them out.%n", errors);
            for (var e : results.entrySet()) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    PhaseResult p = e.getValue().get(i);
                    if (p.errorCount() > 0) {
                        System.out.printf(Locale.ROOT, "!!!   round %d %s: %s%n", i + 1, e.getKey(), p.errors());
                    }
                }
            }
            System.out.println("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        } else {
            System.out.println("No errors: every request was answered 2xx within the timeout.");
        }
    }

    /**
     * The router's own view over the measured phases (the scrape after minus the one before): its overhead histogram
     * and, beside it, the model leg as it timed it (dispatch to the copy until the answer's last byte), to compare
     * with the direct path: time in neither is spent in the web server before and after the router.
     */
    static String routersView(BenchmarkEndpoint endpoint, String before, String after) {
        return String.join("\n",
                routerHistogram("Router's own view", OVERHEAD_METRIC, endpoint, before, after),
                routerHistogram("Router's view of the model leg", MODEL_LATENCY_METRIC, endpoint, before, after));
    }

    private static String routerHistogram(String title, String metric, BenchmarkEndpoint endpoint, String before,
                                          String after) {
        // Only this endpoint's series when the metric is labelled by endpoint (a shared Kindling may route others).
        java.util.function.Predicate<Map<String, String>> ours =
                l -> !l.containsKey("endpoint") || l.get("endpoint").equals(endpoint.name());
        Optional<PrometheusHistogram> end = PrometheusHistogram.parse(after, metric, ours);
        if (end.isEmpty()) {
            return title + ": no " + metric + "_bucket series on /actuator/prometheus (a histogram needs "
                    + "publishPercentileHistogram or SLO buckets)";
        }
        PrometheusHistogram measured = PrometheusHistogram.parse(before, metric, ours).map(end.get()::minus).orElse(end.get());
        Optional<PrometheusHistogram.Quantile> p50 = measured.quantile(0.50);
        Optional<PrometheusHistogram.Quantile> p99 = measured.quantile(0.99);
        if (p99.isEmpty()) return title + ": " + metric + " observed nothing during the measured phases";
        return String.format(Locale.ROOT, "%s (%s over the measured router phases, %.0f observations): p50 %.3f ms, "
                        + "p99 %.3f ms (in the bucket %.3f to %.3f ms), mean %.3f ms", title, metric, measured.count(),
                p50.get().value() * 1000, p99.get().value() * 1000, p99.get().bucketLowerBound() * 1000,
                p99.get().bucketUpperBound() * 1000, measured.mean().orElse(Double.NaN) * 1000);
    }

    private static String line(PhaseResult r, Double kindlingCpuMillis, Double generatorCpuMillis) {
        LatencySummary s = r.latency();
        return String.format(Locale.ROOT, "p50 %7.3f  p90 %7.3f  p99 %7.3f  p99.9 %7.3f  max %8.3f ms  errors %s  "
                        + "sent %.1f/s  answered %.1f/s  send lag p99 %.3f ms%s%s", s.p50(), s.p90(), s.p99(), s.p999(), s.max(),
                r.errorCount() == 0 ? "0" : r.errorCount() + " " + r.errors(), r.sendRate(), r.completionRate(), r.sendLagMicros().getValueAtPercentile(99) / 1000.0,
                kindlingCpuMillis == null ? "" : String.format(Locale.ROOT, "  Kindling CPU %.3f ms/req", kindlingCpuMillis),
                generatorCpuMillis == null ? "" : String.format(Locale.ROOT, "  generator CPU %.3f ms/req", generatorCpuMillis));
    }

    private static void jcmd(KindlingProcess kindling, String... command) {
        List<String> cmd = new ArrayList<>(List.of(kindling.jcmd().toString(), String.valueOf(kindling.pid())));
        cmd.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Other work on the machine skews both paths; the load average says how much there was. */
    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long generatorCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
