package dev.kindling.db.model;

import java.time.Instant;

/** A model hosted on an endpoint variant, with the number of copies it should run. */
public record InferenceComponent(
        String name,
        String endpointName,
        String variantName,
        ComponentSpec specification,
        long specRevision,
        int desiredCopyCount,
        ComponentStatus status,
        String failureReason,
        Instant creationTime,
        Instant lastModifiedTime,
        Instant statusSince,
        long version) {}
