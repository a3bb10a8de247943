package dev.kindling.db.model;

import java.time.Instant;

/** The registered bounds for an inference component's copy count. */
public record ScalableTargetRecord(
        String componentName,
        int minCapacity,
        int maxCapacity,
        boolean scaleInSuspended,
        boolean scaleOutSuspended,
        Instant creationTime,
        Instant lastModifiedTime,
        long version) {}
