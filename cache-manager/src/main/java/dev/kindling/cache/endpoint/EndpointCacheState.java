package dev.kindling.cache.endpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * An endpoint's cache record as the decisions see it: the newest generation and how its build went, the generation
 * agents read now, and the faults reported against that one.
 *
 * @param generation the newest generation (0: a record with nothing built, kept for its peer token)
 * @param plan what the newest generation holds, or is being built to hold
 * @param readyGeneration the generation agents read now, or null before the first is ready
 * @param faults faults agents reported against the ready generation since it became ready
 * @param attemptedAt when the newest generation's build started (or was asked for, if it never started): a failed
 *                    one is retried a backoff after it
 * @param failureReason why the newest generation failed, or null
 */
public record EndpointCacheState(long generation, Status status, EndpointCachePlan plan, Long readyGeneration,
                                 long faults, Instant attemptedAt, String failureReason) {

    /** Where the newest generation is: the same three states as the stored record. */
    public enum Status { Building, Ready, Failed }

    public EndpointCacheState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(plan, "plan");
    }

    /** Builds attempted since the last one that became ready (or since the first): the failures in a row when Failed. */
    public long attemptsSinceReady() {
        return generation - (readyGeneration == null ? 0 : readyGeneration);
    }
}
