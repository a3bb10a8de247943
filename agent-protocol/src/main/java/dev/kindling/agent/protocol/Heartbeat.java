package dev.kindling.agent.protocol;

import java.util.List;

/**
 * An agent's periodic report: every copy it runs or has failed to run, how many image and model bytes the instance
 * keeps cached (null if the agent does not say), which tells the control plane how warm the instance is, and what
 * those bytes are (null if the agent does not say), which placement uses to send a copy where its image and model
 * already are.
 */
public record Heartbeat(List<CopyReport> copies, Long cachedBytes, CacheInventory inventory) {
    public Heartbeat {
        copies = copies == null ? List.of() : List.copyOf(copies);
    }

    public Heartbeat(List<CopyReport> copies, Long cachedBytes) {
        this(copies, cachedBytes, null);
    }

    public Heartbeat(List<CopyReport> copies) {
        this(copies, null, null);
    }
}
