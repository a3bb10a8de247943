package dev.kindling.api.caches;

import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.db.model.Instance;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * What an instance that proved which endpoint it serves is given of its endpoint's caches: the volume its launch
 * attaches, the grant (where the ready volume is, and the endpoint's peer token), and its peers. A grant only ever
 * names the instance's own endpoint's volume and token. Agents' reports of faults in the volume come back here.
 */
public interface CacheGrants {

    /** The ready volume a new instance of the endpoint is launched with; empty when there is none (or caches are off). */
    Mono<FleetProvider.CacheVolume> launchVolume(String endpointName);

    /**
     * The instance's grant: its endpoint's ready volume if the instance was launched since it became ready (a launch
     * attached it), and its endpoint's peer token; empty when there is nothing to give.
     */
    Mono<CacheGrant> grant(Instance instance);

    /** The other serving instances of its endpoint it may fetch from; none when peer fetch is off. */
    Mono<List<Peer>> peers(Instance instance);

    /**
     * Records the faults a finished copy start found in its endpoint's ready volume (each once), so the volume is
     * rebuilt; the start itself went on from the next tier.
     */
    Mono<Void> recordFaults(Instance instance, CopyStartup startup);

    /** No caches: nothing attached, nothing granted, no peers, faults ignored. */
    CacheGrants NONE = new CacheGrants() {
        @Override
        public Mono<FleetProvider.CacheVolume> launchVolume(String endpointName) {
            return Mono.empty();
        }

        @Override
        public Mono<CacheGrant> grant(Instance instance) {
            return Mono.empty();
        }

        @Override
        public Mono<List<Peer>> peers(Instance instance) {
            return Mono.just(List.of());
        }

        @Override
        public Mono<Void> recordFaults(Instance instance, CopyStartup startup) {
            return Mono.empty();
        }
    };
}
