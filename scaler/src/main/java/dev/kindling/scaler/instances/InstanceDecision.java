package dev.kindling.scaler.instances;

import java.util.List;

/** Instances to launch and instance ids to release for one variant, and why, in one sentence with the numbers. */
public record InstanceDecision(int launch, List<String> release, String reason) {

    public InstanceDecision {
        release = List.copyOf(release);
    }
}
