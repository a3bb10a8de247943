package dev.kindling.api.caches;

import dev.kindling.api.leader.LeaderGate;
import dev.kindling.api.leader.LeaderLoops;
import dev.kindling.api.leader.Leadership;
import dev.kindling.api.metrics.EndpointCacheMetrics;
import dev.kindling.cache.endpoint.BuildSettings;
import dev.kindling.cache.endpoint.CacheBuildDecision;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import dev.kindling.cache.endpoint.EndpointCacheState;
import dev.kindling.cache.endpoint.VolumeSweep;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.EndpointCacheStatus;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.store.EndpointCacheStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The cache manager: on the leader, every interval and when woken (an agent reported a fault), it computes each
 * endpoint's cache plan from its components, asks {@link CacheBuildDecision} whether to build, and starts builds in
 * the background, one per endpoint and at most {@code maxConcurrentBuilds} at once. A finished build becomes the
 * generation agents read only if the record has not moved on meanwhile; otherwise, or when it fails, that is recorded
 * and the volume deleted. Each pass also deletes the volumes no record needs ({@link VolumeSweep}): replaced
 * generations after a grace period, and every volume of a deleted endpoint.
 */
public final class EndpointCacheManager implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EndpointCacheManager.class);
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /**
     * @param interval time between two passes
     * @param maxConcurrentBuilds builds at once across endpoints
     * @param oldGenerationGrace how long a replaced generation stays after its successor is ready
     */
    public record Settings(Duration interval, int maxConcurrentBuilds, Duration oldGenerationGrace, BuildSettings builds) {}

    private final EndpointStore endpoints;
    private final InferenceComponentStore components;
    private final EndpointCacheStore caches;
    private final CacheVolumes volumes;
    private final CacheSwitches switches;
    private final Settings settings;
    private final LeaderGate leader;
    private final Clock clock;
    private final EndpointCacheMetrics metrics;
    private final ExecutorService builders;
    private final Semaphore wake = new Semaphore(0);
    /** Builds under way here: endpoint to generation. */
    private final Map<String, Long> running = new ConcurrentHashMap<>();
    /** Volumes seen in records, by location, so they are deleted even where the store cannot list its volumes. */
    private final Map<String, VolumeSweep.Volume> known = new LinkedHashMap<>();
    private volatile Thread thread;
    private volatile boolean runningLoop;

    public EndpointCacheManager(EndpointStore endpoints, InferenceComponentStore components, EndpointCacheStore caches,
                                CacheVolumes volumes, CacheSwitches switches, Settings settings, Leadership leadership,
                                Clock clock, EndpointCacheMetrics metrics) {
        this.endpoints = endpoints;
        this.components = components;
        this.caches = caches;
        this.volumes = volumes;
        this.switches = switches;
        this.settings = settings;
        this.leader = new LeaderGate(leadership);
        this.clock = clock;
        this.metrics = metrics;
        this.builders = Executors.newFixedThreadPool(settings.maxConcurrentBuilds(),
                Thread.ofPlatform().daemon().name("cache-build-", 0).factory());
        leadership.addListener(leads -> {
            if (leads) wake();
        });
    }

    /** Asks for a pass soon (an agent reported a fault, a build finished). */
    public void wake() {
        if (wake.availablePermits() == 0) wake.release();
    }

    /** Whether a build of the endpoint's cache runs here now. */
    public boolean building(String endpointName) {
        return running.containsKey(endpointName);
    }

    /** One pass: decide and start builds, then delete the volumes no record needs. Runs on one thread at a time. */
    public synchronized void passOnce() {
        Instant now = clock.instant();
        // Taken before the records are read: a build that finishes while they are read still counts as running
        // here, not as one a lost leader left behind (which would start another generation for nothing).
        Set<String> buildingAtStart = Set.copyOf(running.keySet());
        List<Endpoint> eps = endpoints.findAll().collectList().block(DB_TIMEOUT);
        Map<String, List<InferenceComponent>> byEndpoint = components.findAll().collectList().block(DB_TIMEOUT).stream()
                .collect(Collectors.groupingBy(InferenceComponent::endpointName));
        Map<String, EndpointCache> records = caches.findAll().collectList().block(DB_TIMEOUT).stream()
                .collect(Collectors.toMap(EndpointCache::endpointName, c -> c));
        for (Endpoint e : eps) {
            if (e.status() == EndpointStatus.Deleting) continue;
            try {
                decide(e.name(), EndpointCachePlans.of(byEndpoint.getOrDefault(e.name(), List.of()), switches),
                        records.get(e.name()), buildingAtStart.contains(e.name()), now);
            } catch (RuntimeException ex) {
                log.atError().addKeyValue("endpoint", e.name()).setCause(ex).log("Cache decision failed; retried next pass");
            }
        }
        sweep(now);
        records.values().stream().filter(c -> c.readyGeneration() != null).forEach(c -> metrics.holds(c.endpointName(),
                c.imageBytes() == null ? 0 : c.imageBytes(), c.modelBytes() == null ? 0 : c.modelBytes()));
        metrics.keepOnly(records.keySet());
    }

    private void decide(String endpoint, EndpointCachePlan wanted, EndpointCache record, boolean wasBuilding, Instant now) {
        CacheBuildDecision d = CacheBuildDecision.decide(record == null ? null : state(record), wanted,
                wasBuilding || running.containsKey(endpoint), now, settings.builds());
        switch (d.action()) {
            case BUILD -> {
                long generation = record == null ? 1 : record.generation() + 1;
                EndpointCache.Plan plan = EndpointCachePlans.toRecord(wanted);
                boolean requested = record == null
                        ? caches.create(endpoint, generation, EndpointCacheStatus.Building, plan, d.reason(),
                                InstanceSecrets.newSecret(), now).block(DB_TIMEOUT)
                        : caches.requestBuild(endpoint, record.generation(), generation, plan, d.reason(), now)
                                .block(DB_TIMEOUT);
                if (!requested) return; // the record changed under us (a deleted endpoint): the next pass sees it
                log.atInfo().addKeyValue("endpoint", endpoint).addKeyValue("generation", generation)
                        .addKeyValue("images", wanted.images().size()).addKeyValue("models", wanted.models().size())
                        .log("Building the endpoint's cache volume: {}", d.reason());
                running.put(endpoint, generation);
                builders.execute(() -> build(endpoint, generation, wanted));
            }
            case RECORD -> caches.create(endpoint, 0, EndpointCacheStatus.Ready, EndpointCache.Plan.EMPTY, d.reason(),
                    InstanceSecrets.newSecret(), now).block(DB_TIMEOUT);
            case WAIT, NONE -> log.atDebug().addKeyValue("endpoint", endpoint).log("Cache unchanged: {}", d.reason());
        }
    }

    private static EndpointCacheState state(EndpointCache c) {
        return new EndpointCacheState(c.generation(), EndpointCacheState.Status.valueOf(c.status().name()),
                EndpointCachePlans.fromRecord(c.plan()), c.readyGeneration(), c.faults(),
                c.buildStartedAt() != null ? c.buildStartedAt() : c.requestedAt(), c.failureReason());
    }

    /** Builds one generation on a builder thread and records how it went. */
    private void build(String endpoint, long generation, EndpointCachePlan plan) {
        long started = System.nanoTime();
        try {
            if (!caches.markStarted(endpoint, generation, clock.instant()).block(DB_TIMEOUT)) return;
            CacheVolumes.BuiltVolume built;
            try {
                built = volumes.build(endpoint, generation, plan);
            } catch (RuntimeException e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                caches.markFailed(endpoint, generation, reason).block(DB_TIMEOUT);
                metrics.built(endpoint, "Failed", Duration.ofNanos(System.nanoTime() - started));
                log.atWarn().addKeyValue("endpoint", endpoint).addKeyValue("generation", generation)
                        .log("Cache volume build failed; scale-outs go on from the next tier: {}", reason);
                return;
            }
            boolean ready = caches.markReady(endpoint, generation, built.location(), built.contentJson(), built.imageBytes(),
                    built.modelBytes(), clock.instant()).block(DB_TIMEOUT);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            if (!ready) {
                // The record moved on (a newer build, a deleted endpoint, another leader): nobody will read this one.
                volumes.delete(built.location());
                log.atInfo().addKeyValue("endpoint", endpoint).addKeyValue("generation", generation)
                        .log("Cache volume built after its record moved on; deleted");
                return;
            }
            metrics.built(endpoint, "Ready", took);
            log.atInfo().addKeyValue("endpoint", endpoint).addKeyValue("generation", generation)
                    .addKeyValue("location", built.location()).addKeyValue("imageBytes", built.imageBytes())
                    .addKeyValue("modelBytes", built.modelBytes()).addKeyValue("seconds", took.toMillis() / 1000.0)
                    .log("Cache volume ready");
        } catch (RuntimeException e) {
            log.atError().addKeyValue("endpoint", endpoint).addKeyValue("generation", generation).setCause(e)
                    .log("Recording a cache build failed; the next pass starts another");
        } finally {
            running.remove(endpoint, generation);
            wake();
        }
    }

    private void sweep(Instant now) {
        // The volumes are listed before the records are read: a build's record is written before the build starts,
        // so a volume a build finished during this pass is never taken for one of an endpoint without a record.
        List<CacheVolumes.StoredVolume> stored;
        try {
            stored = volumes.stored();
        } catch (RuntimeException e) {
            stored = List.of();
            log.atWarn().log("Could not list cache volumes; deleting only those seen in records: {}", e.toString());
        }
        Map<String, EndpointCache> records = caches.findAll().collectList().block(DB_TIMEOUT).stream()
                .collect(Collectors.toMap(EndpointCache::endpointName, c -> c));
        Map<String, VolumeSweep.Record> sweepRecords = new HashMap<>();
        for (EndpointCache c : records.values()) {
            if (c.readyLocation() != null) {
                known.put(c.readyLocation(), new VolumeSweep.Volume(c.endpointName(), c.readyGeneration(), c.readyLocation()));
            }
            if (c.location() != null) {
                known.put(c.location(), new VolumeSweep.Volume(c.endpointName(), c.generation(), c.location()));
            }
            sweepRecords.put(c.endpointName(), new VolumeSweep.Record(c.generation(), c.readyGeneration(), c.builtAt()));
        }
        Map<String, VolumeSweep.Volume> all = new LinkedHashMap<>(known);
        for (CacheVolumes.StoredVolume v : stored) {
            all.put(v.location(), new VolumeSweep.Volume(v.endpointName(), v.generation(), v.location()));
        }
        for (VolumeSweep.Deletion d : VolumeSweep.sweep(new ArrayList<>(all.values()), sweepRecords, now,
                settings.oldGenerationGrace())) {
            String location = d.volume().location();
            try {
                volumes.delete(location);
                known.remove(location);
                log.atInfo().addKeyValue("endpoint", d.volume().endpointName()).addKeyValue("generation", d.volume().generation())
                        .addKeyValue("location", location).log("Cache volume deleted: {}", d.reason());
            } catch (IllegalArgumentException notOurs) {
                known.remove(location); // a location this store does not own (another fleet's): never ours to delete
                log.atWarn().addKeyValue("location", location).log("Not deleting a cache volume: {}", notOurs.getMessage());
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("location", location).log("Could not delete a cache volume; retried next pass: {}",
                        e.toString());
            }
        }
    }

    @Override
    public void start() {
        runningLoop = true;
        thread = Thread.ofPlatform().name("cache-manager").daemon().start(this::run);
    }

    private void run() {
        int failures = 0;
        long interval = settings.interval().toMillis();
        while (runningLoop) {
            try {
                leader.awaitLeadership();
            } catch (InterruptedException e) {
                return;
            }
            long waitMillis = interval;
            try {
                passOnce();
                failures = 0;
            } catch (RuntimeException e) {
                if (!runningLoop) return;
                failures++;
                waitMillis = Math.min(MAX_BACKOFF_MILLIS, interval << Math.min(failures, 16));
                if (failures == 1 || failures % 10 == 0) {
                    log.atWarn().setCause(failures == 1 ? e : null)
                            .log("Cache manager pass failed ({} in a row); retrying in {} ms: {}", failures, waitMillis, e.toString());
                }
            }
            try {
                if (wake.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void stop() {
        runningLoop = false;
        LeaderLoops.stop(thread);
        builders.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return runningLoop;
    }

    /** After the web server (builds pull from the embedded registry on its port), beside the reconciler. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }
}
