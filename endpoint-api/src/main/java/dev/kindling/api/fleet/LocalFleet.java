package dev.kindling.api.fleet;

import dev.kindling.agent.AgentSettings;
import dev.kindling.agent.InstanceAgent;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local fleet: each instance is an emulated machine in this JVM. After the instance type's launch delay
 * (times the time scale) it boots a real {@link InstanceAgent}, which registers with the control plane over HTTP
 * and heartbeats like an agent on EC2 would.
 */
public final class LocalFleet implements FleetProvider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalFleet.class);

    private final double timeScale;
    private final Duration heartbeatInterval;
    private final int maxInstances;
    private final String bindHost;
    private final Supplier<URI> controlPlaneUrl;
    private final ScheduledExecutorService boots = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("local-fleet").factory());
    private final Map<String, ScheduledFuture<?>> booting = new ConcurrentHashMap<>();
    private final Map<String, InstanceAgent> running = new ConcurrentHashMap<>();

    public LocalFleet(double timeScale, Duration heartbeatInterval, int maxInstances, String bindHost,
                      Supplier<URI> controlPlaneUrl) {
        this.timeScale = timeScale;
        this.heartbeatInterval = heartbeatInterval;
        this.maxInstances = maxInstances;
        this.bindHost = bindHost;
        this.controlPlaneUrl = controlPlaneUrl;
    }

    @Override
    public synchronized void launch(LaunchRequest request) {
        if (booting.size() + running.size() >= maxInstances) {
            throw new LaunchException("InsufficientCapacity: the local fleet runs at most " + maxInstances
                    + " instances (kindling.fleet.local.max-instances), all in use");
        }
        long delayMillis = Math.round(request.instanceType().launchDelaySeconds() * 1000 * timeScale);
        booting.put(request.instanceId(), boots.schedule(() -> boot(request), delayMillis, TimeUnit.MILLISECONDS));
        log.atInfo().addKeyValue("instance", request.instanceId()).addKeyValue("endpoint", request.endpointName())
                .addKeyValue("instanceType", request.instanceType().name()).addKeyValue("launchDelayMillis", delayMillis)
                .log("Launching emulated instance");
    }

    private synchronized void boot(LaunchRequest request) {
        if (booting.remove(request.instanceId()) == null) return;
        InstanceAgent agent = InstanceAgent.start(new AgentSettings(request.instanceId(), request.instanceType().name(),
                controlPlaneUrl.get(), heartbeatInterval, bindHost));
        running.put(request.instanceId(), agent);
    }

    @Override
    public synchronized void terminate(String instanceId) {
        ScheduledFuture<?> pending = booting.remove(instanceId);
        if (pending != null) pending.cancel(false);
        InstanceAgent agent = running.remove(instanceId);
        if (agent != null) {
            agent.close();
            log.atInfo().addKeyValue("instance", instanceId).log("Terminated emulated instance");
        }
    }

    /**
     * Emulates a machine failure: the instance's agent and copies stop without telling the control plane, which
     * must notice the missed heartbeats. For tests and demos.
     */
    public synchronized boolean crash(String instanceId) {
        InstanceAgent agent = running.remove(instanceId);
        if (agent == null) return false;
        agent.close();
        log.atWarn().addKeyValue("instance", instanceId).log("Emulated instance crashed");
        return true;
    }

    /** The agent of a running emulated instance, if any. */
    public InstanceAgent agent(String instanceId) {
        return running.get(instanceId);
    }

    public int size() {
        return booting.size() + running.size();
    }

    @Override
    public synchronized void close() {
        boots.shutdownNow();
        booting.clear();
        running.values().forEach(InstanceAgent::close);
        running.clear();
    }
}
