package dev.kindling.load;

import dev.kindling.agent.image.ImagePuller;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchReport;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Pulls a ~2 GB image (one large layer of incompressible bytes and several small ones) from a real registry on
 * this machine, three ways, several times each, in one run:
 * (a) the agent's BlobFetcher into its store, every blob verified;
 * (b) {@code skopeo copy} of the same image to a local directory;
 * (c) the floor: {@code curl} of every blob to a file on the same disk, one after another.
 * Plus a start whose blobs are already in the store, and fetch plus unpack: (d) the agent's ImagePuller, which keeps
 * every verified blob in its store and applies each layer as it arrives, against (e) {@code curl | tar -x} of each
 * layer in turn into a directory (unverified, nothing kept: one write of the unpacked bytes, the floor). Before each method the machine is brought to the same
 * state: dirty pages written back, the page cache dropped (where permitted), and the registry's blob files read
 * back in, so every method starts with a warm source and a clean destination whatever ran before it; the order
 * of the methods also rotates. Prints medians and ratios.
 *
 * <p>Arguments (all optional): {@code --large-mib=1600 --small-layers=8 --small-mib=50 --repetitions=3
 * --chunk-mib=32 --parallelism=<cores + 1> --work-dir=/tmp/kindling-bench}; chunk size and parallelism default
 * to the agent's own defaults.
 */
public final class ImagePullBenchmark {

    private ImagePullBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new TreeMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            a.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        long largeMib = Long.parseLong(a.getOrDefault("large-mib", "1600"));
        int smallLayers = Integer.parseInt(a.getOrDefault("small-layers", "8"));
        long smallMib = Long.parseLong(a.getOrDefault("small-mib", "50"));
        int reps = Integer.parseInt(a.getOrDefault("repetitions", "3"));
        FetchSettings defaults = FetchSettings.DEFAULTS;
        FetchSettings settings = new FetchSettings(
                a.containsKey("chunk-mib") ? Long.parseLong(a.get("chunk-mib")) << 20 : defaults.chunkBytes(),
                a.containsKey("parallelism") ? Integer.parseInt(a.get("parallelism")) : defaults.parallelism(),
                defaults.chunkAttempts(), Duration.ofSeconds(120));
        Path work = Path.of(a.getOrDefault("work-dir", "/tmp/kindling-bench"));
        for (String tool : List.of("/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/curl")) {
            if (!Files.isExecutable(Path.of(tool))) {
                System.err.println("missing " + tool + ": apt-get install docker-registry skopeo curl");
                System.exit(2);
            }
        }
        FileTrees.delete(work);
        Files.createDirectories(work);

        System.out.printf(Locale.ROOT, "Image: 1 layer of %d MiB + %d layers of %d MiB, random bytes; chunk %d MiB, "
                + "%d workers; %d repetitions; %d cores%n", largeMib, smallLayers, smallMib, settings.chunkBytes() >> 20,
                settings.parallelism(), reps, Runtime.getRuntime().availableProcessors());
        Path registryData = work.resolve("registry").resolve("data");
        try (LocalRegistry registry = LocalRegistry.start(Files.createDirectories(work.resolve("registry")))) {
            String repo = "bench/llm";
            List<Descriptor> layers = new ArrayList<>();
            layers.add(pushRandomLayer(registry, repo, work, "large", largeMib << 20, 1));
            for (int i = 0; i < smallLayers; i++) {
                layers.add(pushRandomLayer(registry, repo, work, "small" + i, smallMib << 20, 100 + i));
            }
            Descriptor config = registry.pushBlob(repo, "application/vnd.oci.image.config.v1+json",
                    "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8));
            registry.pushManifest(repo, "v1", RegistryClient.OCI_MANIFEST,
                    LocalRegistry.manifestJson(RegistryClient.OCI_MANIFEST, config, layers));
            ImageReference ref = ImageReference.parse(registry.host() + "/" + repo + ":v1");
            long totalBytes;
            try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30))) {
                totalBytes = c.pullManifest(ref).totalBytes();
            }
            System.out.printf(Locale.ROOT, "Pushed %s: %.2f GB in %d blobs%n%n", ref, totalBytes / 1e9, layers.size() + 1);

            List<Double> agent = new ArrayList<>();
            List<Double> skopeo = new ArrayList<>();
            List<Double> curl = new ArrayList<>();
            List<Double> cached = new ArrayList<>();
            List<Double> agentCpu = new ArrayList<>();
            List<Double> unpacked = new ArrayList<>();
            List<Double> curlTar = new ArrayList<>();
            List<Double> unpackCpu = new ArrayList<>();
            for (int rep = 1; rep <= reps; rep++) {
                Path out = work.resolve("out");
                FileTrees.delete(out);
                Files.createDirectories(out);
                // Rotate the order so no method always runs first (page cache, disk state).
                List<Runnable> order = new ArrayList<>();
                order.add(() -> {
                    long cpu = processCpuNanos();
                    agent.add(agentPull(ref, settings, out.resolve("agent"), cached));
                    agentCpu.add((processCpuNanos() - cpu) / 1e9);
                });
                order.add(() -> skopeo.add(time("skopeo", () -> run(out, "skopeo", "copy", "--src-tls-verify=false",
                        "docker://" + ref, "dir:" + out.resolve("skopeo")))));
                order.add(() -> curl.add(time("curl", () -> curlAll(registry.host(), repo, ref, out.resolve("curl")))));
                for (int i = 0; i < order.size(); i++) {
                    settle(work, registryData);
                    order.get((i + rep) % order.size()).run();
                }
                FileTrees.delete(out.resolve("agent"));
                List<Runnable> unpacking = List.of(
                        () -> {
                            long cpu = processCpuNanos();
                            unpacked.add(agentPullAndUnpack(ref, settings, out.resolve("unpack")));
                            unpackCpu.add((processCpuNanos() - cpu) / 1e9);
                        },
                        () -> curlTar.add(time("curl | tar", () -> curlTarAll(registry.host(), repo, ref, out.resolve("tar")))));
                for (int i = 0; i < unpacking.size(); i++) {
                    settle(work, registryData);
                    unpacking.get((i + rep) % unpacking.size()).run();
                }
                System.out.printf(Locale.ROOT, "rep %d: agent %.2f s (%.2f CPU s), skopeo %.2f s, curl %.2f s, cached start "
                        + "%.4f s, agent fetch+unpack %.2f s, curl|tar %.2f s%n", rep, agent.getLast(), agentCpu.getLast(),
                        skopeo.getLast(), curl.getLast(), cached.getLast(), unpacked.getLast(), curlTar.getLast());
                FileTrees.delete(out);
            }
            double ma = median(agent), ms = median(skopeo), mc = median(curl), mcached = median(cached);
            System.out.printf(Locale.ROOT, "%nMedians over %d repetitions (%.2f GB):%n", reps, totalBytes / 1e9);
            System.out.printf(Locale.ROOT, "  (a) agent fetch, verified     %7.2f s  %6.0f MB/s  %.2f CPU s%n", ma,
                    totalBytes / 1e6 / ma, median(agentCpu));
            System.out.printf(Locale.ROOT, "  (b) skopeo copy to dir        %7.2f s  %6.0f MB/s%n", ms, totalBytes / 1e6 / ms);
            System.out.printf(Locale.ROOT, "  (c) curl each blob in turn    %7.2f s  %6.0f MB/s%n", mc, totalBytes / 1e6 / mc);
            System.out.printf(Locale.ROOT, "  cached start (all present)    %7.4f s%n", mcached);
            System.out.printf(Locale.ROOT, "  (d) agent fetch + unpack      %7.2f s  %6.0f MB/s  %.2f CPU s%n", median(unpacked),
                    totalBytes / 1e6 / median(unpacked), median(unpackCpu));
            System.out.printf(Locale.ROOT, "  (e) curl | tar -x each layer  %7.2f s  %6.0f MB/s%n", median(curlTar),
                    totalBytes / 1e6 / median(curlTar));
            System.out.printf(Locale.ROOT, "Ratios: agent/skopeo %.2f (target < 1), agent/curl %.2f (target <= 1.3), "
                    + "cached/cold %.4f (target < 0.01), fetch+unpack agent/curl|tar %.2f%n", ma / ms, ma / mc, mcached / ma,
                    median(unpacked) / median(curlTar));
        } finally {
            FileTrees.delete(work);
        }
    }

    /**
     * The agent's pull, timed from the manifest request until every blob is verified and published (usable, as
     * curl's files are when it exits; the fetcher syncs them to disk afterwards, untimed, like curl's page cache).
     * Then the same again with every blob present, timed as the cached start.
     */
    private static double agentPull(ImageReference ref, FetchSettings settings, Path storeDir, List<Double> cached) {
        try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30));
             BlobFetcher fetcher = new BlobFetcher(settings)) {
            BlobStore store = new BlobStore(storeDir);
            long start = System.nanoTime();
            Manifest m = c.pullManifest(ref);
            FetchReport r = fetcher.fetch(c, ref.repository(), m.blobs(), store, d -> { });
            double cold = (System.nanoTime() - start) / 1e9;
            if (r.blobsFetched() != m.blobs().size()) throw new IllegalStateException("fetched " + r);
            start = System.nanoTime();
            Manifest again = c.pullManifest(ref);
            FetchReport warm = fetcher.fetch(c, ref.repository(), again.blobs(), store, d -> { });
            cached.add((System.nanoTime() - start) / 1e9);
            if (warm.bytesFetched() != 0) throw new IllegalStateException("cached start fetched " + warm);
            return cold;
        }
    }

    /** Fetch plus unpack into a root filesystem, layers applied in order while later ones download. */
    private static double agentPullAndUnpack(ImageReference ref, FetchSettings settings, Path dir) {
        try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30));
             BlobFetcher fetcher = new BlobFetcher(settings)) {
            ImagePuller.Result r = new ImagePuller(fetcher).pull(c, ref, new BlobStore(dir.resolve("store")), dir.resolve("rootfs"));
            return r.total().toNanos() / 1e9;
        }
    }

    private static void curlAll(String host, String repo, ImageReference ref, Path dir) {
        try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30))) {
            Files.createDirectories(dir);
            for (Descriptor d : c.pullManifest(ref).blobs()) {
                run(dir, "curl", "-sf", "-o", dir.resolve(d.digest().hex()).toString(),
                        "http://" + host + "/v2/" + repo + "/blobs/" + d.digest());
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** Each layer streamed through tar into one directory, in order: no verification, no blob kept. */
    private static void curlTarAll(String host, String repo, ImageReference ref, Path dir) {
        try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30))) {
            Files.createDirectories(dir);
            for (Descriptor d : c.pullManifest(ref).layers()) {
                run(dir, "sh", "-c", "curl -sf http://" + host + "/v2/" + repo + "/blobs/" + d.digest() + " | tar -x");
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A layer as images have them: a tar holding one file of incompressible bytes. */
    private static Descriptor pushRandomLayer(LocalRegistry registry, String repo, Path work, String name, long bytes,
                                              long seed) throws Exception {
        Path file = work.resolve(name + ".layer");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = new java.security.DigestOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20), sha);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry entry = new TarArchiveEntry("opt/ml/" + name + ".bin");
            entry.setSize(bytes);
            entry.setMode(0100644);
            tar.putArchiveEntry(entry);
            for (long written = 0; written < bytes; written += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int k = 0; k < 8; k++) buf[i + k] = (byte) (v >>> (8 * k));
                }
                tar.write(buf, 0, (int) Math.min(buf.length, bytes - written));
            }
            tar.closeArchiveEntry();
        }
        Descriptor d = registry.pushBlob(repo, "application/vnd.oci.image.layer.v1.tar", file, Digest.of(sha.digest()));
        Files.delete(file);
        return d;
    }

    private static boolean cacheDropWarned;

    /** Same start for every method: nothing dirty, nothing cached but the registry's blobs. */
    private static void settle(Path work, Path registryData) {
        run(work, "sync");
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException | SecurityException e) {
            if (!cacheDropWarned) {
                System.out.println("note: cannot drop the page cache here (" + e.getMessage() + "); results include "
                        + "whatever the previous method left in it");
                cacheDropWarned = true;
            }
        }
        try (Stream<Path> files = Files.walk(registryData)) {
            byte[] buf = new byte[1 << 20];
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                try (var in = Files.newInputStream(f)) {
                    while (in.read(buf) > 0) {
                        // reading is the point: the registry serves from the page cache, as for every method
                    }
                }
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double time(String what, Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static void run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue());
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
