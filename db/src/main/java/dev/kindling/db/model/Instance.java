package dev.kindling.db.model;

import java.time.Instant;

/** An instance of an endpoint variant, as launched by the fleet and reported by its agent. */
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
        Instant terminatedAt) {}
