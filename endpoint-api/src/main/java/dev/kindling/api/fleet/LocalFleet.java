package dev.kindling.api.fleet;

import dev.kindling.agent.AgentSettings;
import dev.kindling.agent.DataPathSettings;
import dev.kindling.agent.InstanceAgent;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.InstanceThroughput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local fleet: each instance is an emulated machine in this JVM. After the instance type's launch delay
 * (times the time scale) it boots a real {@link InstanceAgent}, which registers with the control plane over HTTP
 * and heartbeats like an agent on EC2 would. Each instance has a disk of its own, a directory that starts empty
 * and is deleted when the instance goes, and moves bytes no faster than its type's network and disk allow (divided
 * by the time scale, so transfers shrink like launch delays).
 */
public final class LocalFleet implements FleetProvider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalFleet.class);

    /**
     * @param timeScale factor on launch delays and transfer times; 0 launches at once and moves bytes unthrottled
     * @param dataDirectory where instances keep their disks, one subdirectory each
     * @param diskBudgetBytes most bytes an instance keeps in its image and model stores
     */
    public record Settings(double timeScale, Duration heartbeatInterval, int maxInstances, String bindHost,
                           Path dataDirectory, long diskBudgetBytes) {}

    /** Fills in how an instance reaches registries and S3, given its disk and its limits. */
    @FunctionalInterface
    public interface DataPaths {
        DataPathSettings forInstance(Path disk, InstanceThroughput throughput);
    }

    private final Settings settings;
    private final Supplier<URI> controlPlaneUrl;
    private final DataPaths dataPaths;
    private final ScheduledExecutorService boots = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("local-fleet").factory());
    private final Map<String, ScheduledFuture<?>> booting = new ConcurrentHashMap<>();
    private final Map<String, InstanceAgent> running = new ConcurrentHashMap<>();
    /** Deletes disks in the background: a disk of many GB must not hold up launches and terminations. */
    private final ExecutorService cleaner = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("local-fleet-disks").factory());

    /** A file every emulated disk holds, so only disks this fleet made are ever deleted. */
    static final String DISK_MARKER = ".kindling-emulated-disk";

    public LocalFleet(Settings settings, Supplier<URI> controlPlaneUrl, DataPaths dataPaths) {
        this.settings = settings;
        this.controlPlaneUrl = controlPlaneUrl;
        this.dataPaths = dataPaths;
        // Emulated instances die with the JVM that ran them; whatever their disks held is of no use to new ones.
        try (Stream<Path> disks = Files.isDirectory(settings.dataDirectory()) ? Files.list(settings.dataDirectory()) : Stream.empty()) {
            disks.filter(d -> Files.isRegularFile(d.resolve(DISK_MARKER))).forEach(this::deleteDisk);
        } catch (IOException e) {
            log.atWarn().addKeyValue("directory", settings.dataDirectory()).log("Could not list old emulated disks: {}", e.toString());
        }
    }

    @Override
    public synchronized void launch(LaunchRequest request) {
        if (booting.size() + running.size() >= settings.maxInstances()) {
            throw new LaunchException("InsufficientCapacity: the local fleet runs at most " + settings.maxInstances()
                    + " instances (kindling.fleet.local.max-instances), all in use");
        }
        long delayMillis = Math.round(request.instanceType().launchDelaySeconds() * 1000 * settings.timeScale());
        booting.put(request.instanceId(), boots.schedule(() -> boot(request), delayMillis, TimeUnit.MILLISECONDS));
        log.atInfo().addKeyValue("instance", request.instanceId()).addKeyValue("endpoint", request.endpointName())
                .addKeyValue("instanceType", request.instanceType().name()).addKeyValue("launchDelayMillis", delayMillis)
                .addKeyValue("cacheVolume", request.cache() == null ? null : request.cache().location())
                .log("Launching emulated instance");
    }

    private synchronized void boot(LaunchRequest request) {
        if (booting.remove(request.instanceId()) == null) return;
        Path disk = disk(request.instanceId());
        try {
            Files.createDirectories(disk);
            Files.writeString(disk.resolve(DISK_MARKER), request.instanceId() + "\n");
            // The endpoint's cache volume is a directory every local instance can read, so nothing is mounted: the
            // agent learns where it is from its grant, once it has proved which endpoint it serves.
            InstanceAgent agent = InstanceAgent.start(new AgentSettings(request.instanceId(), request.instanceType().name(),
                    controlPlaneUrl.get(), settings.heartbeatInterval(), settings.bindHost(),
                    dataPaths.forInstance(disk, throughput(request.instanceType())), request.endpointName(),
                    request.instanceSecret()));
            running.put(request.instanceId(), agent);
        } catch (IOException | RuntimeException e) {
            // The instance never registers; the reconciler replaces it after its launch timeout.
            log.atError().addKeyValue("instance", request.instanceId()).setCause(e).log("Emulated instance failed to boot");
            deleteDisk(disk);
        }
    }

    /**
     * How an instance of this fleet reaches registries and S3, for a store rooted at {@code root} with no limits: what
     * the control plane uses to build the cache volumes its instances read.
     */
    public DataPathSettings dataPathSettings(Path root) {
        return dataPaths.forInstance(root, InstanceThroughput.UNLIMITED);
    }

    /** The type's rates divided by the time scale, so a transfer takes timeScale times its cloud duration. */
    InstanceThroughput throughput(InstanceType type) {
        if (settings.timeScale() == 0) return InstanceThroughput.UNLIMITED;
        return InstanceThroughput.of(networkBytesPerSecond(type), diskBytesPerSecond(type));
    }

    double networkBytesPerSecond(InstanceType type) {
        return type.networkGbps() * 1e9 / 8 / settings.timeScale();
    }

    double diskBytesPerSecond(InstanceType type) {
        return type.diskWriteMibps() * (1 << 20) / settings.timeScale();
    }

    @Override
    public synchronized void terminate(String instanceId) {
        ScheduledFuture<?> pending = booting.remove(instanceId);
        if (pending != null) pending.cancel(false);
        InstanceAgent agent = running.remove(instanceId);
        if (agent != null) {
            agent.close();
            deleteDisk(disk(instanceId));
            log.atInfo().addKeyValue("instance", instanceId).log("Terminated emulated instance");
        }
    }

    /**
     * Emulates a machine failure: the instance's agent and copies stop without telling the control plane, which
     * must notice the missed heartbeats. Its disk goes with it. For tests and demos.
     */
    public synchronized boolean crash(String instanceId) {
        InstanceAgent agent = running.remove(instanceId);
        if (agent == null) return false;
        agent.close();
        deleteDisk(disk(instanceId));
        log.atWarn().addKeyValue("instance", instanceId).log("Emulated instance crashed");
        return true;
    }

    /** The agent of a running emulated instance, if any. */
    public InstanceAgent agent(String instanceId) {
        return running.get(instanceId);
    }

    /** The disk of an emulated instance (for tests and demos). */
    public Path disk(String instanceId) {
        return settings.dataDirectory().resolve(instanceId);
    }

    public int size() {
        return booting.size() + running.size();
    }

    @Override
    public synchronized void close() {
        boots.shutdownNow();
        booting.clear();
        running.forEach((id, agent) -> {
            agent.close();
            deleteDisk(disk(id));
        });
        running.clear();
        cleaner.shutdown();
        try {
            cleaner.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes an emulated disk in the background. */
    private void deleteDisk(Path disk) {
        try {
            cleaner.execute(() -> deleteTree(disk));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            deleteTree(disk);
        }
    }

    private static void deleteTree(Path root) {
        try {
            FileTrees.delete(root);
        } catch (IOException | UncheckedIOException e) {
            // Only disk space is at stake; the next start of the fleet deletes what is left.
            log.atWarn().addKeyValue("directory", root).log("Could not delete an emulated disk: {}", e.toString());
        }
    }
}
