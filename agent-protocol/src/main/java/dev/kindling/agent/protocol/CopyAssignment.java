package dev.kindling.agent.protocol;

import java.util.Map;

/** A copy the control plane wants on this instance, with everything the agent needs to start it. */
public record CopyAssignment(
        String copyId,
        String componentName,
        long specRevision,
        String image,
        String artifactUrl,
        Map<String, String> environment,
        long memoryMb,
        int modelDataDownloadTimeoutSeconds,
        int containerStartupHealthCheckTimeoutSeconds) {

    public CopyAssignment {
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }
}
