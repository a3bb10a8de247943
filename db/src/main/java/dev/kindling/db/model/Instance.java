package dev.kindling.db.model;

import java.time.Instant;

/**
 * An instance of an endpoint variant, as launched by the fleet and reported by its agent.
 *
 * @param idleSince since when it holds no copies, or null while it holds some (or has not been seen idle yet)
 * @param cachedBytes image and model bytes its agent keeps on disk, as last reported: how warm it is
 * @param inventoryJson what those bytes are (agent protocol CacheInventory as JSON: images by reference, models by
 *                      artifact URL, each with its bytes), as last reported; null until its agent says
 */
public record Instance(
        String id,
        String endpointName,
        String variantName,
        String instanceType,
        InstanceStatus status,
        String agentUrl,
        String failureReason,
        Instant launchedAt,
        Instant registeredAt,
        Instant lastHeartbeatAt,
        Instant terminatedAt,
        Instant idleSince,
        long cachedBytes,
        String inventoryJson) {

    /** An instance whose agent has not said what it holds. */
    public Instance(String id, String endpointName, String variantName, String instanceType, InstanceStatus status,
                    String agentUrl, String failureReason, Instant launchedAt, Instant registeredAt,
                    Instant lastHeartbeatAt, Instant terminatedAt, Instant idleSince, long cachedBytes) {
        this(id, endpointName, variantName, instanceType, status, agentUrl, failureReason, launchedAt, registeredAt,
                lastHeartbeatAt, terminatedAt, idleSince, cachedBytes, null);
    }

    /** A newly launched or test instance: not idle yet, nothing cached. */
    public Instance(String id, String endpointName, String variantName, String instanceType, InstanceStatus status,
                    String agentUrl, String failureReason, Instant launchedAt, Instant registeredAt,
                    Instant lastHeartbeatAt, Instant terminatedAt) {
        this(id, endpointName, variantName, instanceType, status, agentUrl, failureReason, launchedAt, registeredAt,
                lastHeartbeatAt, terminatedAt, null, 0, null);
    }
}
