package dev.kindling.agent.protocol;

/** Another instance of the same endpoint whose agent may serve blobs and objects it holds (peer fetch). */
public record Peer(String instanceId, String agentUrl) {}
