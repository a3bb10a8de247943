package dev.kindling.api.model;

import dev.kindling.db.model.EndpointCache;
import java.time.Instant;
import java.util.List;

/**
 * An endpoint's cache volume as {@code GET /v1/endpoints/{name}/caches} shows it: the newest generation and how its
 * build went, the generation instances are given now, what that one holds, and the faults agents found in it.
 *
 * @param status {@code Building}, {@code Ready} or {@code Failed}; {@code None} before the cache manager first looked
 * @param generation the newest generation (0: nothing built, nothing to cache yet)
 * @param readyGeneration what new instances are given now; null before the first is ready
 * @param plan what the newest generation holds, or is being built to hold
 * @param imageBytes what the ready generation holds
 * @param buildReason why the newest generation was started
 * @param failureReason why it failed, when it did
 * @param faults faults agents reported in the ready generation since it became ready
 */
public record EndpointCacheView(String endpointName, String status, long generation, Long readyGeneration, Plan plan,
                                Long imageBytes, Long modelBytes, String location, String readyLocation,
                                String buildReason, String failureReason, long faults, Instant requestedAt,
                                Instant buildStartedAt, Instant builtAt) {

    public record Plan(List<String> images, List<String> models) {}

    public static EndpointCacheView of(EndpointCache c) {
        return new EndpointCacheView(c.endpointName(), c.status().name(), c.generation(), c.readyGeneration(),
                new Plan(c.plan().images(), c.plan().models()), c.imageBytes(), c.modelBytes(), c.location(),
                c.readyLocation(), c.buildReason(), c.failureReason(), c.faults(), c.requestedAt(), c.buildStartedAt(),
                c.builtAt());
    }

    /** An endpoint the cache manager has not looked at yet. */
    public static EndpointCacheView none(String endpointName) {
        return new EndpointCacheView(endpointName, "None", 0, null, new Plan(List.of(), List.of()), null, null, null,
                null, null, null, 0, null, null, null);
    }
}
