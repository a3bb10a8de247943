package dev.kindling.api.caches;

import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.metrics.EndpointCacheMetrics;
import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.Instance;
import dev.kindling.db.store.EndpointCacheStore;
import dev.kindling.db.store.InstanceStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Grants from the endpoint cache records: the ready generation's volume (as mounted on the instance; the image cache
 * at its root, the model cache under {@code models/}, each only when switched on and holding something) and the
 * endpoint's peer token when peer fetch is on. Every lookup is by the instance's own endpoint.
 *
 * <p>The volume is granted only to instances launched since it became ready: those are the ones a launch attached it
 * to (an EBS snapshot is attached at launch or never), so what an agent is told is what it has. An instance launched
 * before keeps its own data cache and its peers; a fault it reports can then never name a generation it does not
 * hold, and never rebuilds a volume that is sound.
 */
public final class EndpointCacheGrants implements CacheGrants {

    /** The tiers whose faults rebuild the volume (peer faults are the peer's, not the volume's). */
    public static final Set<String> VOLUME_TIERS = Set.of("endpoint-image-cache", "endpoint-model-cache");

    private static final Logger log = LoggerFactory.getLogger(EndpointCacheGrants.class);

    private final EndpointCacheStore caches;
    private final InstanceStore instances;
    private final CacheVolumes volumes;
    private final CacheSwitches switches;
    private final EndpointCacheMetrics metrics;
    private final Runnable faultRecorded;

    /** @param faultRecorded wakes the cache manager (on this replica) when a fault was recorded */
    public EndpointCacheGrants(EndpointCacheStore caches, InstanceStore instances, CacheVolumes volumes,
                               CacheSwitches switches, EndpointCacheMetrics metrics, Runnable faultRecorded) {
        this.caches = caches;
        this.instances = instances;
        this.volumes = volumes;
        this.switches = switches;
        this.metrics = metrics;
        this.faultRecorded = faultRecorded;
    }

    @Override
    public Mono<FleetProvider.CacheVolume> launchVolume(String endpointName) {
        return caches.find(endpointName)
                .filter(c -> c.readyLocation() != null && (imageCacheOf(c) || modelCacheOf(c)))
                .map(c -> new FleetProvider.CacheVolume(endpointName, c.readyGeneration(), c.readyLocation()));
    }

    @Override
    public Mono<CacheGrant> grant(Instance instance) {
        return caches.find(instance.endpointName()).mapNotNull(c -> grantOf(c, instance.launchedAt(), switches, volumes));
    }

    /** The grant a record gives an instance launched at {@code launchedAt}, or null when it gives nothing. */
    static CacheGrant grantOf(EndpointCache c, Instant launchedAt, CacheSwitches switches, CacheVolumes volumes) {
        boolean attached = c.readyLocation() != null && c.builtAt() != null && launchedAt != null
                && !launchedAt.isBefore(c.builtAt());
        String root = attached ? volumes.mountedAt(c.readyLocation()) : null;
        String images = root != null && switches.imageCache() && c.imageBytes() != null && c.imageBytes() > 0 ? root : null;
        String models = root != null && switches.modelCache() && c.modelBytes() != null && c.modelBytes() > 0
                ? root + "/models" : null;
        String token = switches.peerFetch() ? c.peerToken() : null;
        if (images == null && models == null && token == null) return null;
        return new CacheGrant(c.endpointName(), root == null ? 0 : c.readyGeneration(), images, models, token);
    }

    private boolean imageCacheOf(EndpointCache c) {
        return switches.imageCache() && c.imageBytes() != null && c.imageBytes() > 0;
    }

    private boolean modelCacheOf(EndpointCache c) {
        return switches.modelCache() && c.modelBytes() != null && c.modelBytes() > 0;
    }

    @Override
    public Mono<List<Peer>> peers(Instance instance) {
        if (!switches.peerFetch()) return Mono.just(List.of());
        return instances.findPeers(instance.endpointName())
                .filter(p -> !p.id().equals(instance.id()) && instance.endpointName().equals(p.endpointName()))
                .map(p -> new Peer(p.id(), p.agentUrl()))
                .collectList();
    }

    @Override
    public Mono<Void> recordFaults(Instance instance, CopyStartup startup) {
        // One count per distinct fault: a start that tried the same blob twice found one fault, not two.
        Set<CacheFault> distinct = new LinkedHashSet<>();
        for (CacheFault f : startup.cacheFaults()) {
            if (f != null && VOLUME_TIERS.contains(f.tier()) && f.generation() != null) {
                distinct.add(new CacheFault(f.artifact(), f.tier(), f.kind(), f.id(), f.generation(), null));
            }
        }
        if (distinct.isEmpty()) return Mono.empty();
        Map<Long, Long> byGeneration = new LinkedHashMap<>();
        for (CacheFault f : distinct) {
            metrics.fault(instance.endpointName(), f.kind() == null ? "unknown" : f.kind());
            byGeneration.merge(f.generation(), 1L, Long::sum);
        }
        return Flux.fromIterable(byGeneration.entrySet())
                .concatMap(e -> caches.recordFaults(instance.endpointName(), e.getKey(), e.getValue())
                        .doOnNext(recorded -> {
                            log.atWarn().addKeyValue("endpoint", instance.endpointName())
                                    .addKeyValue("instance", instance.id()).addKeyValue("generation", e.getKey())
                                    .addKeyValue("faults", e.getValue())
                                    .log(recorded ? "Agent reported faults in the endpoint's cache volume; it will be rebuilt"
                                            : "Agent reported faults in a cache generation that is no longer the ready one");
                        }))
                .reduce(false, Boolean::logicalOr)
                .doOnNext(any -> {
                    if (any) faultRecorded.run();
                })
                .then();
    }
}
