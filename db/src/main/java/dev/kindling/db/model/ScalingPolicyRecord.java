package dev.kindling.db.model;

import java.time.Instant;

/** A stored scaling policy: its type and its configuration as JSON (the scaler's policy values). */
public record ScalingPolicyRecord(
        String componentName,
        String policyName,
        String policyType,
        String configurationJson,
        Instant creationTime,
        Instant lastModifiedTime,
        long version) {}
