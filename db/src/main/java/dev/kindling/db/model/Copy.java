package dev.kindling.db.model;

import java.time.Instant;

/**
 * One copy of an inference component placed on an instance, with the resources it holds there.
 *
 * @param startupJson how its start went as its agent last reported it (phases, timings, cache tiers), as JSON; null
 *                    until the agent reports
 */
public record Copy(
        String id,
        String componentName,
        String instanceId,
        long specRevision,
        int accelerators,
        long cpuMillis,
        long memoryMb,
        CopyStatus status,
        String modelServerUrl,
        String failureReason,
        Instant createdAt,
        Instant readyAt,
        String startupJson) {

    /** Whether the copy still holds its resources on the instance. */
    public boolean holdsResources() {
        return status != CopyStatus.Failed;
    }
}
