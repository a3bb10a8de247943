package dev.kindling.api.reconcile;

import dev.kindling.cache.placement.PlacementExplanation;
import dev.kindling.cache.placement.Resources;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;

/** One change the planner asks for. Each says why, so the reconciler can log it. */
public sealed interface Action {

    /** Launch one instance for a variant; {@code reason} says why (initial count, copies that found no room). */
    record LaunchInstance(Endpoint endpoint, String variantName, String instanceType, String reason) implements Action {
        public LaunchInstance(Endpoint endpoint, String variantName, String instanceType) {
            this(endpoint, variantName, instanceType, "keeps the variant's instance count");
        }
    }

    /** Record since when an instance holds no copies, or (null) that it holds some again. */
    record SetInstanceIdle(String instanceId, java.time.Instant idleSince) implements Action {}

    /** Terminate an instance and forget the copies it ran. */
    record TerminateInstance(String instanceId, String endpointName, String reason) implements Action {}

    /**
     * Put a new copy of a component on an instance, holding {@code resources} there; {@code explanation} says why
     * there (null when not known), and is kept with the copy.
     */
    record PlaceCopy(String componentName, String instanceId, long specRevision, Resources resources,
                     PlacementExplanation explanation) implements Action {
        public PlaceCopy(String componentName, String instanceId, long specRevision, Resources resources) {
            this(componentName, instanceId, specRevision, resources, null);
        }
    }

    /** Ask the copy's agent to stop it. */
    record StopCopy(String copyId, String componentName, String instanceId, String reason) implements Action {}

    /** Forget a copy that no longer runs anywhere. */
    record DeleteCopy(String copyId, String componentName, String reason) implements Action {}

    record SetEndpointStatus(Endpoint endpoint, EndpointStatus status, String failureReason) implements Action {}

    record SetComponentStatus(InferenceComponent component, ComponentStatus status, String failureReason) implements Action {}

    record DeleteComponent(String componentName, String endpointName) implements Action {}

    record DeleteEndpoint(String endpointName) implements Action {}
}
