package dev.kindling.api.model;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ManagedInstanceScaling;
import dev.kindling.db.model.ProductionVariant;
import java.time.Instant;
import java.util.List;

/** Response bodies of the REST API. */
public final class Views {

    private Views() {}

    public record PageView<T>(List<T> items, String nextToken) {}

    /** A view and the version of the resource it shows, for the ETag. */
    public record Versioned<T>(T view, long version) {}

    public record EndpointConfigView(String endpointConfigName, List<ProductionVariant> productionVariants,
                                     Instant creationTime) {}

    public record EndpointSummary(String endpointName, String endpointConfigName, String endpointStatus,
                                  String failureReason, Instant creationTime, Instant lastModifiedTime) {}

    public record EndpointView(String endpointName, String endpointConfigName, String endpointStatus,
                               String failureReason, List<VariantView> productionVariants, Instant creationTime,
                               Instant lastModifiedTime) {}

    public record VariantView(String variantName, String instanceType, int currentInstanceCount,
                              int desiredInstanceCount, String routingStrategy,
                              ManagedInstanceScaling managedInstanceScaling) {}

    public record InferenceComponentView(String inferenceComponentName, String endpointName, String variantName,
                                         ComponentSpec specification, RuntimeConfigView runtimeConfig,
                                         String inferenceComponentStatus, String failureReason, Instant creationTime,
                                         Instant lastModifiedTime) {}

    public record RuntimeConfigView(int desiredCopyCount, Integer currentCopyCount) {}

    public record ResourcesView(int acceleratorDevices, double cpuCores, long memoryMb) {}

    /** A copy, with how its start went (phases, timings, cache tiers) once its agent reported it. */
    public record CopyView(String copyId, String inferenceComponentName, String instanceId, long specRevision,
                           String status, ResourcesView resources, String modelServerUrl, String failureReason,
                           Instant createdAt, Instant readyAt, CopyStartup startup) {}

    /**
     * Why a copy went where it went (from {@code GET /v1/inference-components/{name}/placements}): the reason and the
     * candidates placement ranked, as recorded when the copy was placed, and which cache tier served each blob of its
     * image and each object of its model, as its agent reported the start.
     *
     * @param reason the choice in one sentence; null for a copy placed before placements were recorded
     * @param note what is missing and why (a placement not recorded), or null
     * @param neededBytes image and model bytes the copy needs, when known at placement
     * @param blobs one entry per image blob and model object, in the order the agent resolved them
     * @param tierTotals per artifact and tier: blobs or objects served, their bytes and seconds
     */
    public record CopyPlacementView(String copyId, String instanceId, String status, Instant placedAt, String reason,
                                    String note, Long neededBytes, List<PlacementCandidateView> candidates,
                                    List<BlobTierView> blobs, List<TierTotalView> tierTotals) {}

    /**
     * One instance placement looked at for a copy, before the copy was placed.
     *
     * @param whyNot which resources were short (or over-committed), null when the copy fitted
     * @param warmBytes bytes of the copy's image and model the instance already held
     * @param rank 1 for the best of those that fitted; null for one that did not fit
     */
    public record PlacementCandidateView(String instanceId, boolean fits, String whyNot, ResourcesView free,
                                         long warmBytes, int copiesOfComponent, Integer rank) {}

    /** The tier that served one image blob ({@code sha256:...}) or model object (its S3 URI). */
    public record BlobTierView(String artifact, String id, String tier, long bytes, double seconds) {}

    /**
     * What one tier served of a copy's image or model.
     *
     * @param blobs blobs or objects served
     * @param seconds the tier's times for each of them, summed (they overlap: blobs are fetched in parallel); null when
     *                the agent reported no per-blob times
     */
    public record TierTotalView(String artifact, String tier, int blobs, long bytes, Double seconds) {}

    public record InstanceView(String instanceId, String endpointName, String variantName, String instanceType,
                               String status, ResourcesView capacity, ResourcesView allocated, List<String> copyIds,
                               String agentUrl, String failureReason, Instant launchedAt, Instant registeredAt,
                               Instant lastHeartbeatAt, Instant terminatedAt) {}

    public record InstanceTypeView(String instanceType, int acceleratorDevices, String acceleratorModel, int vcpus,
                                   long memoryMb, double launchDelaySeconds, double networkGbps, double diskWriteMibps) {}

    public record ScalableTargetView(String inferenceComponentName, int minCapacity, int maxCapacity,
                                     Requests.SuspendedStateBody suspendedState, Instant creationTime,
                                     Instant lastModifiedTime) {}

    public record ScalingPolicyView(String inferenceComponentName, String policyName, String policyType,
                                    Requests.TargetTrackingBody targetTrackingScalingPolicyConfiguration,
                                    Requests.StepScalingBody stepScalingPolicyConfiguration, Instant creationTime,
                                    Instant lastModifiedTime) {}

    /** Variant view from a config variant and its live instance count. */
    public static VariantView variant(ProductionVariant v, int currentInstanceCount) {
        return new VariantView(v.variantName(), v.instanceType(), currentInstanceCount, v.desiredInstanceCount(),
                v.routingStrategy().name(), v.managedInstanceScaling());
    }
}
