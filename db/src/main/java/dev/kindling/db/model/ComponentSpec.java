package dev.kindling.db.model;

/** The part of an inference component that defines a copy. Changing it rolls the copies to a new revision. */
public record ComponentSpec(Container container, ComputeRequirements computeResourceRequirements,
                            StartupParameters startupParameters) {}
