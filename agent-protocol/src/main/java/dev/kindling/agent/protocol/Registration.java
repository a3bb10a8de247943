package dev.kindling.agent.protocol;

/**
 * An agent's first message: which instance it runs on, where the control plane can reach it, and which endpoint it
 * claims to serve. It is sent with the instance's launch secret ({@code Authorization: Bearer <secret>}, see
 * {@link AgentPaths#AUTHORIZATION}); the control plane grants the endpoint's caches only to an agent whose secret
 * matches the instance's and whose claimed endpoint is the one the instance was launched for.
 *
 * @param endpointName the endpoint the agent was launched for (null from agents that do not claim one: they are
 *                     registered but given no cache)
 */
public record Registration(String instanceType, String agentUrl, String endpointName) {

    public Registration(String instanceType, String agentUrl) {
        this(instanceType, agentUrl, null);
    }
}
