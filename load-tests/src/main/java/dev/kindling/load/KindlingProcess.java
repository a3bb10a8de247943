package dev.kindling.load;

import dev.kindling.agent.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Kindling control plane started from its jar as a process of its own, in the embedded default (embedded
 * PostgreSQL, registry, S3 store, local fleet launching at once), on a free loopback port, with every data directory
 * in one temporary directory (the per-endpoint cache volumes too). Closing it stops the process and what it
 * started, and deletes that directory.
 */
public final class KindlingProcess implements AutoCloseable {

    private final Process process;
    private final Path workDirectory;
    private final URI url;
    private boolean closed;

    private KindlingProcess(Process process, Path workDirectory, URI url) {
        this.process = process;
        this.workDirectory = workDirectory;
        this.url = url;
    }

    /** Starts the jar with {@code jvmOptions} and waits (at most {@code startTimeout}) until its health is UP. */
    public static KindlingProcess start(Path jar, List<String> jvmOptions, Duration startTimeout) {
        return start(jar, jvmOptions, Map.of(), startTimeout);
    }

    /**
     * Starts the jar with {@code jvmOptions} and Spring {@code properties} (key without {@code --}, value), which
     * replace the defaults of the same key (a key given twice would bind as a comma-joined list), and waits (at most
     * {@code startTimeout}) until its health is UP.
     */
    public static KindlingProcess start(Path jar, List<String> jvmOptions, Map<String, String> properties,
                                        Duration startTimeout) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no Kindling jar at " + jar.toAbsolutePath() + "; build it with "
                    + "./mvnw -B -ntp -q -pl endpoint-api -am package -DskipTests, or pass --kindling-jar= or --kindling-url=");
        }
        Path work;
        try {
            work = Files.createTempDirectory("kindling-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int port = freePort();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("server.port", String.valueOf(port));
        settings.put("server.address", "127.0.0.1");
        settings.put("kindling.database.embedded-data-directory", work.resolve("postgres").toString());
        settings.put("kindling.registry.embedded.data-directory", work.resolve("registry").toString());
        settings.put("kindling.s3.embedded.port", "0");
        settings.put("kindling.s3.embedded.data-directory", work.resolve("s3").toString());
        settings.put("kindling.fleet.local.data-directory", work.resolve("fleet").toString());
        settings.put("kindling.cache.directory", work.resolve("caches").toString());
        settings.put("kindling.fleet.local.time-scale", "0");
        settings.putAll(properties);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        settings.forEach((key, value) -> command.add("--" + key + "=" + value));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("kindling.log").toFile()).start();
        } catch (IOException e) {
            deleteQuietly(work);
            throw new UncheckedIOException("could not start " + String.join(" ", command), e);
        }
        KindlingProcess kindling = new KindlingProcess(process, work, URI.create("http://127.0.0.1:" + port));
        try {
            kindling.awaitHealthy(startTimeout);
        } catch (RuntimeException e) {
            String log = kindling.logTail(40);
            kindling.close();
            throw new IllegalStateException(e.getMessage() + "; the end of its log:\n" + log, e);
        }
        return kindling;
    }

    public URI url() {
        return url;
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time the Kindling JVM has used so far (its embedded PostgreSQL, a process of its own, not included). */
    public Optional<Duration> cpuTime() {
        return process.toHandle().info().totalCpuDuration();
    }

    /** The JDK's {@code jcmd} next to the java binary Kindling runs on. */
    public Path jcmd() {
        Path java = Path.of(process.toHandle().info().command().orElse("java"));
        return java.resolveSibling("jcmd");
    }

    private void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest health = HttpRequest.newBuilder(url.resolve("/actuator/health")).timeout(Duration.ofSeconds(5)).build();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Kindling exited with " + process.exitValue() + " while starting");
                }
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kindling to start", e);
        }
        throw new IllegalStateException("Kindling was not healthy on " + url + " within " + timeout.toSeconds() + " s");
    }

    /** The last lines Kindling wrote, for a report of why it failed. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(workDirectory.resolve("kindling.log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Stops Kindling gracefully (it stops its embedded PostgreSQL on the way out), then forcibly whatever of its
     * process tree is left, including the PostgreSQL server (which pg_ctl detaches from the tree), and deletes the
     * temporary directory.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        postgresServer().ifPresent(tree::add);
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle p : tree) {
                if (!p.isAlive()) continue;
                p.destroy();
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    p.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
        }
        deleteQuietly(workDirectory);
    }

    /** The embedded PostgreSQL's postmaster, by the pid file in its data directory (our own temporary directory). */
    private Optional<ProcessHandle> postgresServer() {
        try {
            Path pidFile = workDirectory.resolve("postgres").resolve("postmaster.pid");
            if (!Files.isRegularFile(pidFile)) return Optional.empty();
            long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
            return ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
