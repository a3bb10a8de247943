package dev.kindling.db.model;

/**
 * The part of an inference component that defines a copy. Changing it rolls the copies to a new revision, except
 * for {@code modelCacheEnabled}, which only says whether the endpoint's cache volume keeps the model.
 *
 * @param modelCacheEnabled whether new instances of the endpoint find this component's model in the endpoint's model
 *                          cache (true unless switched off; specifications stored before the switch read as true)
 */
public record ComponentSpec(Container container, ComputeRequirements computeResourceRequirements,
                            StartupParameters startupParameters, Boolean modelCacheEnabled) {

    public ComponentSpec {
        if (modelCacheEnabled == null) modelCacheEnabled = true;
    }

    public ComponentSpec(Container container, ComputeRequirements computeResourceRequirements,
                         StartupParameters startupParameters) {
        this(container, computeResourceRequirements, startupParameters, true);
    }

    /** The same specification with the model cache switched as given. */
    public ComponentSpec withModelCacheEnabled(boolean enabled) {
        return new ComponentSpec(container, computeResourceRequirements, startupParameters, enabled);
    }
}
