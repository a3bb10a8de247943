package dev.kindling.agent.protocol;

import java.util.List;

/** An agent's periodic report: every copy it runs or has failed to run. */
public record Heartbeat(List<CopyReport> copies) {
    public Heartbeat {
        copies = copies == null ? List.of() : List.copyOf(copies);
    }
}
