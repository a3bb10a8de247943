package dev.kindling.db.model;

import java.time.Instant;
import java.util.List;

/**
 * An endpoint's cache volume: its newest generation (being built, ready or failed) and the generation agents read
 * now, which stays the previous one until a rebuild is ready. The volume's content and sizes are those of the ready
 * generation, replaced when a new one becomes ready.
 *
 * @param generation the newest generation; 0 for a record with nothing built yet (it exists for the peer token)
 * @param plan what the newest generation holds, or is being built to hold
 * @param location where the newest generation is (a directory, an EBS snapshot id); null until it is ready
 * @param contentJson what the ready generation holds (its volume manifest), or null before one is ready
 * @param imageBytes image bytes of the ready generation, or null before one is ready
 * @param modelBytes model bytes of the ready generation, or null before one is ready
 * @param readyGeneration the generation agents read now; null before the first is ready
 * @param readyLocation where it is
 * @param peerToken the token this endpoint's instances present to each other for peer fetch
 * @param failureReason why the newest generation failed, or null
 * @param buildReason why the newest generation was started ({@code planned}, {@code plan-changed}, {@code fault: ...})
 * @param faults faults agents reported against the ready generation since it became ready
 * @param requestedAt when the newest generation was asked for
 * @param buildStartedAt when its build began (builds wait for a free builder), or null
 * @param builtAt when the ready generation became ready (what agents read is as new as this); null before the first
 */
public record EndpointCache(
        String endpointName,
        long generation,
        EndpointCacheStatus status,
        Plan plan,
        String location,
        String contentJson,
        Long imageBytes,
        Long modelBytes,
        Long readyGeneration,
        String readyLocation,
        String peerToken,
        String failureReason,
        String buildReason,
        long faults,
        Instant requestedAt,
        Instant buildStartedAt,
        Instant builtAt,
        long version) {

    /** The images (by reference) and models (by artifact URL) a generation holds, as stored. */
    public record Plan(List<String> images, List<String> models) {
        public static final Plan EMPTY = new Plan(List.of(), List.of());

        public Plan {
            images = images == null ? List.of() : List.copyOf(images);
            models = models == null ? List.of() : List.copyOf(models);
        }
    }
}
