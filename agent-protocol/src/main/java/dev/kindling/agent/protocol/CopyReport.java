package dev.kindling.agent.protocol;

import java.time.Instant;

/**
 * One copy as the agent sees it: its state, its model server's URL once it listens, why it failed, and how its
 * start went (phases, timings and cache tiers; null before the agent knows anything of it).
 */
public record CopyReport(String copyId, CopyState state, String modelServerUrl, String failureReason, Instant readyAt,
                         CopyStartup startup) {}
