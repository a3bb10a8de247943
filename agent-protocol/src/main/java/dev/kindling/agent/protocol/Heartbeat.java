package dev.kindling.agent.protocol;

import java.util.List;

/**
 * An agent's periodic report: every copy it runs or has failed to run, and how many image and model bytes the
 * instance keeps cached (null if the agent does not say), which tells the control plane how warm the instance is.
 */
public record Heartbeat(List<CopyReport> copies, Long cachedBytes) {
    public Heartbeat {
        copies = copies == null ? List.of() : List.copyOf(copies);
    }

    public Heartbeat(List<CopyReport> copies) {
        this(copies, null);
    }
}
