package dev.kindling.agent.protocol;

/** An agent's first message: which instance it runs on and where the control plane can reach it. */
public record Registration(String instanceType, String agentUrl) {}
