package dev.kindling.db.model;

import java.time.Instant;

/** An endpoint: the config it should run, and the status the reconciler observed. */
public record Endpoint(
        String name,
        String configName,
        EndpointStatus status,
        String failureReason,
        Instant creationTime,
        Instant lastModifiedTime,
        Instant statusSince,
        long version) {}
