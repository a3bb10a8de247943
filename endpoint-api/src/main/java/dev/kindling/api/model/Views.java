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
