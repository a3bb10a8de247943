package dev.kindling.api.model;

import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.List;
import java.util.Map;

/** Request bodies of the REST API. Field names follow SageMaker's, in camelCase. */
public final class Requests {

    private Requests() {}

    public record CreateEndpointConfig(String endpointConfigName, List<ProductionVariantBody> productionVariants) {}

    public record ProductionVariantBody(String variantName, String instanceType, Integer initialInstanceCount,
                                        RoutingConfigBody routingConfig, ManagedInstanceScalingBody managedInstanceScaling) {}

    public record RoutingConfigBody(String routingStrategy) {}

    public record ManagedInstanceScalingBody(String status, Integer minInstanceCount, Integer maxInstanceCount) {}

    public record CreateEndpoint(String endpointName, String endpointConfigName) {}

    public record UpdateEndpoint(String endpointConfigName) {}

    public record CreateInferenceComponent(String inferenceComponentName, String endpointName, String variantName,
                                           SpecificationBody specification, RuntimeConfigBody runtimeConfig) {}

    public record UpdateInferenceComponent(SpecificationBody specification, RuntimeConfigBody runtimeConfig) {}

    /**
     * @param modelCacheEnabled whether the endpoint's model cache keeps this component's model for new instances
     *        (default true); taken as any JSON value so that anything but a boolean is refused naming the field
     */
    public record SpecificationBody(ContainerBody container, ComputeBody computeResourceRequirements,
                                    StartupBody startupParameters,
                                    @JsonAlias("ModelCacheEnabled") Object modelCacheEnabled) {

        public SpecificationBody(ContainerBody container, ComputeBody computeResourceRequirements,
                                 StartupBody startupParameters) {
            this(container, computeResourceRequirements, startupParameters, null);
        }
    }

    public record ContainerBody(String image, String artifactUrl, Map<String, String> environment) {}

    public record ComputeBody(Integer numberOfAcceleratorDevicesRequired, Double numberOfCpuCoresRequired,
                              Long minMemoryRequiredInMb, Long maxMemoryRequiredInMb) {}

    public record StartupBody(Integer modelDataDownloadTimeoutInSeconds, Integer containerStartupHealthCheckTimeoutInSeconds) {}

    public record RuntimeConfigBody(Integer copyCount) {}

    public record ScalableTargetBody(Integer minCapacity, Integer maxCapacity, SuspendedStateBody suspendedState) {}

    public record SuspendedStateBody(Boolean dynamicScalingInSuspended, Boolean dynamicScalingOutSuspended) {}

    public record ScalingPolicyBody(String policyType, TargetTrackingBody targetTrackingScalingPolicyConfiguration,
                                    StepScalingBody stepScalingPolicyConfiguration) {}

    public record TargetTrackingBody(Double targetValue, PredefinedMetricBody predefinedMetricSpecification,
                                     Integer scaleOutCooldown, Integer scaleInCooldown, Boolean disableScaleIn) {}

    public record PredefinedMetricBody(String predefinedMetricType) {}

    public record StepScalingBody(PredefinedMetricBody predefinedMetricSpecification, Double threshold,
                                  String adjustmentType, List<StepAdjustmentBody> stepAdjustments, Integer cooldown,
                                  Integer minAdjustmentMagnitude) {}

    public record StepAdjustmentBody(Double metricIntervalLowerBound, Double metricIntervalUpperBound,
                                     Integer scalingAdjustment) {}
}
