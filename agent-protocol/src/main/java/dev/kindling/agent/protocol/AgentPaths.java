package dev.kindling.agent.protocol;

/** HTTP paths of the protocol, on the control plane and on the agent. */
public final class AgentPaths {
    private AgentPaths() {}

    /** Control plane: an agent announces itself (POST {@link Registration}). */
    public static String register(String instanceId) {
        return "/v1/agent/instances/" + instanceId + "/register";
    }

    /** Control plane: an agent reports (POST {@link Heartbeat}) and learns its desired copies. */
    public static String heartbeat(String instanceId) {
        return "/v1/agent/instances/" + instanceId + "/heartbeat";
    }

    /** Agent: the control plane asks for a heartbeat now, because the instance's desired copies changed. */
    public static final String SYNC = "/sync";

    /** Agent: liveness. */
    public static final String HEALTH = "/health";
}
