package dev.kindling.scaler.policy;

/** The metrics a policy can track; the names are SageMaker's predefined metric types. */
public enum MetricType {
    /** Concurrent requests per model copy, sampled every second, published every 10 s. */
    SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution,
    /** Invocations per copy per minute. */
    SageMakerInferenceComponentInvocationsPerCopy,
    /**
     * Concurrent requests per model of a single-model variant, sampled every second, published every 10 s. The
     * caller feeds that variant's concurrency into the same windows, so it is followed like per-copy concurrency.
     */
    SageMakerVariantConcurrentRequestsPerModelHighResolution
}
