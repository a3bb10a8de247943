package dev.kindling.scaler.policy;

/** The metrics a policy can track; the names are SageMaker's predefined metric types. */
public enum MetricType {
    /** Concurrent requests per model copy, sampled every second, published every 10 s. */
    SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution,
    /** Invocations per copy per minute. */
    SageMakerInferenceComponentInvocationsPerCopy
}
