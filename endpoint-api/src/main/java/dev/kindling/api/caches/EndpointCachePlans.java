package dev.kindling.api.caches;

import dev.kindling.cache.endpoint.EndpointCachePlan;
import dev.kindling.cache.endpoint.EndpointCachePlan.ComponentSources;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.InferenceComponent;
import java.util.List;

/**
 * An endpoint's cache plan from its inference components: every image (when the image cache is on) and the model of
 * every component that keeps its model cached (when the model cache is on). Components being deleted are left out.
 */
public final class EndpointCachePlans {

    private EndpointCachePlans() {}

    public static EndpointCachePlan of(List<InferenceComponent> components, CacheSwitches switches) {
        return EndpointCachePlan.of(components.stream()
                .filter(c -> c.status() != ComponentStatus.Deleting && c.specification() != null
                        && c.specification().container() != null)
                .map(c -> new ComponentSources(switches.imageCache() ? c.specification().container().image() : null,
                        c.specification().container().artifactUrl(),
                        switches.modelCache() && c.specification().modelCacheEnabled()))
                .toList());
    }

    public static EndpointCachePlan fromRecord(EndpointCache.Plan p) {
        return new EndpointCachePlan(p.images(), p.models());
    }

    public static EndpointCache.Plan toRecord(EndpointCachePlan p) {
        return new EndpointCache.Plan(p.images(), p.models());
    }
}
