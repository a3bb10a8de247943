package dev.kindling.agent.protocol;

import java.util.List;

/** The control plane's answer to a heartbeat: the complete set of copies this instance should run. */
public record HeartbeatResponse(List<CopyAssignment> copies) {
    public HeartbeatResponse {
        copies = copies == null ? List.of() : List.copyOf(copies);
    }
}
