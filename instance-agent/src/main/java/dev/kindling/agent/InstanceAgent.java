package dev.kindling.agent;

import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.internal.Json;
import dev.kindling.agent.cache.peer.PeerServer;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.HeartbeatResponse;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.agent.protocol.RegistrationResponse;
import dev.kindling.agent.runtime.CopyData;
import dev.kindling.agent.runtime.ModelCopy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance agent. It serves a small API (health, sync, and blobs for its endpoint's other instances), registers
 * with the control plane, and then heartbeats: each heartbeat reports every copy it runs and what the instance holds,
 * and the answer is the set of copies it should run, which it converges on by starting the missing ones and stopping
 * the rest. When the control plane answers that the instance is gone (404 or 410), the agent stops everything and
 * closes.
 *
 * <p>The agent proves which instance it is with the instance's launch secret ({@code Authorization: Bearer}) and
 * claims the endpoint it was launched for; only then is it granted the endpoint's caches. Each answer's grant
 * replaces the one before (a rebuilt cache is a new generation, a revoked one is none); a grant for another endpoint
 * is refused. A refused secret (401, 403) is logged and tried again at the next heartbeat, without caches meanwhile.
 */
public final class InstanceAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InstanceAgent.class);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Where the peer paths ({@link AgentPaths#peerBlob}, {@link AgentPaths#PEER_OBJECT}) live. */
    private static final String PEER_API = "/v1/peer/";

    private final AgentSettings settings;
    private final CopyData data;
    private final AutoCloseable dataPath;
    private final HttpServer api;
    private final HttpClient http;
    private final ScheduledExecutorService ticker;
    private final Map<String, ModelCopy> copies = new ConcurrentHashMap<>();
    private final AtomicBoolean registered = new AtomicBoolean();
    private final InstanceCaches caches;
    /** The endpoint caches granted now; its peer token is what peers must present. */
    private final AtomicReference<CacheGrant> grant = new AtomicReference<>();
    /** The endpoint of the last grant refused, so the refusal is logged once. */
    private volatile String refusedGrantFor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object beatLock = new Object();

    private InstanceAgent(AgentSettings settings, CopyData data, InstanceCaches caches, AutoCloseable closeWithAgent) {
        this.settings = settings;
        this.data = data;
        this.caches = caches;
        this.dataPath = closeWithAgent;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("agent-" + settings.instanceId()).factory());
        try {
            this.api = HttpServer.create(new InetSocketAddress(settings.bindHost(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the agent API on " + settings.bindHost(), e);
        }
        api.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        api.createContext(AgentPaths.HEALTH, ex -> Json.respond(ex, 200, Map.of("instanceId", settings.instanceId(),
                "copies", copies.size())));
        api.createContext(AgentPaths.SYNC, ex -> {
            requestHeartbeat();
            Json.respond(ex, 202, Map.of("instanceId", settings.instanceId()));
        });
        api.createContext(PEER_API, new PeerServer(() -> {
            CacheGrant g = grant.get();
            return g == null ? null : g.peerToken();
        }, caches.held()));
    }

    /** Starts an agent: its API listens at once; registration and heartbeats run in the background. */
    public static InstanceAgent start(AgentSettings settings) {
        DataPath dataPath = new DataPath(settings.dataPath());
        try {
            return start(settings, dataPath, dataPath, dataPath);
        } catch (RuntimeException e) {
            dataPath.close();
            throw e;
        }
    }

    /** Starts an agent whose copies get their image and model from {@code data} (tests of the agent's life cycle). */
    public static InstanceAgent start(AgentSettings settings, CopyData data) {
        return start(settings, data, InstanceCaches.NONE, () -> { });
    }

    private static InstanceAgent start(AgentSettings settings, CopyData data, InstanceCaches caches, AutoCloseable closeWithAgent) {
        InstanceAgent agent = new InstanceAgent(settings, data, caches, closeWithAgent);
        agent.api.start();
        long periodMillis = settings.heartbeatInterval().toMillis();
        agent.ticker.scheduleWithFixedDelay(agent::tick, 0, periodMillis, TimeUnit.MILLISECONDS);
        log.atInfo().addKeyValue("instance", settings.instanceId()).addKeyValue("agentUrl", agent.url())
                .log("Instance agent started");
        return agent;
    }

    public String instanceId() {
        return settings.instanceId();
    }

    public URI url() {
        return URI.create("http://" + settings.bindHost() + ":" + api.getAddress().getPort());
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** The endpoint caches granted now, or null (for tests and the agent's own reporting). */
    public CacheGrant cacheGrant() {
        return grant.get();
    }

    /** The copies this agent runs, by id (for tests and the agent's own reporting). */
    public Set<String> copyIds() {
        return Set.copyOf(copies.keySet());
    }

    private void tick() {
        if (closed.get()) return;
        synchronized (beatLock) {
            try {
                if (!registered.get()) {
                    register();
                }
                if (registered.get()) {
                    heartbeat();
                }
            } catch (IOException e) {
                log.atWarn().addKeyValue("instance", settings.instanceId()).addKeyValue("controlPlane", settings.controlPlaneUrl())
                        .log("Control plane unreachable, retrying at the next heartbeat: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.atError().addKeyValue("instance", settings.instanceId()).setCause(e).log("Heartbeat failed");
            }
        }
    }

    private void register() throws IOException, InterruptedException {
        HttpResponse<String> r = post(AgentPaths.register(settings.instanceId()),
                new Registration(settings.instanceType(), url().toString(), settings.endpointName()));
        if (r.statusCode() / 100 == 2) {
            registered.set(true);
            log.atInfo().addKeyValue("instance", settings.instanceId()).addKeyValue("endpoint", settings.endpointName())
                    .log("Registered with the control plane");
            // 204 (or an empty 200) from a control plane that grants no caches.
            String body = r.body();
            grant(body == null || body.isBlank() ? null : Json.read(body, RegistrationResponse.class).caches());
        } else if (gone(r)) {
            shutDown("the control plane does not know this instance (HTTP " + r.statusCode() + ")");
        } else if (refusedCredentials(r)) {
            warnRefused("Registration", r);
        } else {
            log.atWarn().addKeyValue("instance", settings.instanceId()).addKeyValue("status", r.statusCode())
                    .log("Registration refused: {}", r.body());
        }
    }

    private void heartbeat() throws IOException, InterruptedException {
        List<CopyReport> reports = copies.values().stream().map(ModelCopy::report).toList();
        HttpResponse<String> r = post(AgentPaths.heartbeat(settings.instanceId()),
                new Heartbeat(reports, data.cachedBytes(), caches.inventory()));
        if (gone(r)) {
            shutDown("the control plane says this instance is gone (HTTP " + r.statusCode() + ")");
            return;
        }
        if (refusedCredentials(r)) {
            warnRefused("Heartbeat", r);
            grant(null); // no longer trusted: no caches until it is again
            caches.peers(List.of());
            return;
        }
        if (r.statusCode() / 100 != 2) {
            log.atWarn().addKeyValue("instance", settings.instanceId()).addKeyValue("status", r.statusCode())
                    .log("Heartbeat refused: {}", r.body());
            return;
        }
        HeartbeatResponse answer = Json.read(r.body(), HeartbeatResponse.class);
        // The caches first, so the copies this answer starts read the endpoint caches it grants.
        grant(answer.caches());
        caches.peers(answer.peers().stream().filter(p -> !p.instanceId().equals(settings.instanceId())
                && !url().toString().equals(p.agentUrl())).toList());
        converge(answer.copies());
    }

    /**
     * Replaces the endpoint caches with {@code granted} (null: none). A grant for another endpoint than the one this
     * agent claimed is refused: an instance never reads another endpoint's cache.
     */
    private void grant(CacheGrant granted) {
        if (granted != null && (settings.endpointName() == null || !settings.endpointName().equals(granted.endpointName()))) {
            if (!Objects.equals(refusedGrantFor, granted.endpointName())) { // once, not every heartbeat
                log.atWarn().addKeyValue("instance", settings.instanceId()).addKeyValue("endpoint", settings.endpointName())
                        .addKeyValue("grantedEndpoint", granted.endpointName())
                        .log("Refusing a cache grant for another endpoint than this instance serves");
            }
            refusedGrantFor = granted.endpointName();
            granted = null;
        } else {
            refusedGrantFor = null;
        }
        CacheGrant before = grant.getAndSet(granted);
        caches.granted(granted);
        if (!Objects.equals(before, granted)) {
            // Never the peer token: it opens the endpoint's instances to each other.
            log.atInfo().addKeyValue("instance", settings.instanceId()).addKeyValue("endpoint", settings.endpointName())
                    .addKeyValue("generation", granted == null ? null : granted.generation())
                    .addKeyValue("imageCache", granted == null ? null : granted.imageCacheLocation())
                    .addKeyValue("modelCache", granted == null ? null : granted.modelCacheLocation())
                    .addKeyValue("peerFetch", granted != null && granted.peerToken() != null)
                    .log(granted == null ? "No endpoint caches granted" : "Endpoint caches granted");
        }
    }

    private static boolean refusedCredentials(HttpResponse<?> r) {
        return r.statusCode() == 401 || r.statusCode() == 403;
    }

    private void warnRefused(String call, HttpResponse<String> r) {
        log.atWarn().addKeyValue("instance", settings.instanceId()).addKeyValue("status", r.statusCode())
                .addKeyValue("endpoint", settings.endpointName())
                .log("{} refused (HTTP {}): the control plane does not accept this instance's secret{}; no endpoint "
                        + "cache until it does, trying again at the next heartbeat. Answer: {}", call, r.statusCode(),
                        settings.instanceSecret() == null ? " (none is set: KINDLING_INSTANCE_SECRET)" : "", r.body());
    }

    private void converge(List<CopyAssignment> desired) {
        Map<String, CopyAssignment> wanted = desired.stream()
                .collect(Collectors.toMap(CopyAssignment::copyId, a -> a, (a, b) -> a));
        for (String id : new ArrayList<>(copies.keySet())) {
            if (!wanted.containsKey(id)) {
                ModelCopy gone = copies.remove(id);
                gone.stop();
                log.atInfo().addKeyValue("instance", settings.instanceId()).addKeyValue("copy", id)
                        .addKeyValue("component", gone.assignment().componentName()).log("Copy stopped");
            }
        }
        for (CopyAssignment a : wanted.values()) {
            if (closed.get()) return;
            ModelCopy copy = copies.computeIfAbsent(a.copyId(), id -> {
                log.atInfo().addKeyValue("instance", settings.instanceId()).addKeyValue("copy", id)
                        .addKeyValue("component", a.componentName()).log("Copy starting");
                return ModelCopy.start(a, settings.bindHost(), data, this::requestHeartbeat);
            });
            // close() may have run while this copy started: it sets closed first, then stops what it finds, so
            // whichever of us sees the other stops the copy (stopping twice is harmless).
            if (closed.get()) {
                copies.remove(a.copyId());
                copy.stop();
            }
        }
    }

    /** Heartbeats soon, so a copy's new state reaches the control plane without waiting for the next period. */
    private void requestHeartbeat() {
        if (!closed.get()) {
            try {
                ticker.execute(this::tick);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: nothing more to report
            }
        }
    }

    private static boolean gone(HttpResponse<?> r) {
        return r.statusCode() == 404 || r.statusCode() == 410;
    }

    private HttpResponse<String> post(String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(settings.controlPlaneUrl().resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (settings.instanceSecret() != null) {
            req.header(AgentPaths.AUTHORIZATION, AgentPaths.bearer(settings.instanceSecret()));
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void shutDown(String why) {
        log.atInfo().addKeyValue("instance", settings.instanceId()).log("Agent shutting down: {}", why);
        close();
    }

    /** Stops every copy and the agent; the instance stops heartbeating. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        ticker.shutdownNow();
        copies.values().forEach(ModelCopy::stop);
        copies.clear();
        api.stop(0);
        http.close();
        try {
            dataPath.close();
        } catch (Exception e) {
            log.atWarn().addKeyValue("instance", settings.instanceId()).setCause(e).log("Closing the data path failed");
        }
    }
}
