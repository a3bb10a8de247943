package dev.kindling.agent;

import java.net.URI;
import java.time.Duration;

/**
 * How an agent runs.
 *
 * @param instanceId the id the fleet gave this instance at launch
 * @param controlPlaneUrl base URL of the control plane's API
 * @param heartbeatInterval time between heartbeats; the control plane declares the instance dead after several
 * @param bindHost address the agent API and model servers listen on
 * @param dataPath where the instance keeps images and models, and how it fetches them
 * @param endpointName the endpoint this instance was launched for, which the agent claims when it registers (null:
 *                     it claims none and is given no endpoint cache)
 * @param instanceSecret the secret the instance was launched with, presented to the control plane on every call
 *                       (null: none, for agents of instances launched without one)
 */
public record AgentSettings(String instanceId, String instanceType, URI controlPlaneUrl, Duration heartbeatInterval,
                            String bindHost, DataPathSettings dataPath, String endpointName, String instanceSecret) {

    public AgentSettings(String instanceId, String instanceType, URI controlPlaneUrl, Duration heartbeatInterval,
                         String bindHost, DataPathSettings dataPath) {
        this(instanceId, instanceType, controlPlaneUrl, heartbeatInterval, bindHost, dataPath, null, null);
    }

    public AgentSettings {
        if (instanceId == null || instanceId.isBlank()) throw new IllegalArgumentException("instanceId is required");
        if (controlPlaneUrl == null) throw new IllegalArgumentException("controlPlaneUrl is required");
        if (heartbeatInterval == null || heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeatInterval must be positive");
        }
        if (dataPath == null) throw new IllegalArgumentException("dataPath is required");
        if (instanceSecret != null && instanceSecret.isBlank()) instanceSecret = null;
        if (endpointName != null && endpointName.isBlank()) endpointName = null;
    }

    /** Without the secret, which must never reach a log. */
    @Override
    public String toString() {
        return "AgentSettings[instanceId=" + instanceId + ", instanceType=" + instanceType + ", controlPlaneUrl="
                + controlPlaneUrl + ", heartbeatInterval=" + heartbeatInterval + ", bindHost=" + bindHost + ", dataPath="
                + dataPath + ", endpointName=" + endpointName + ", instanceSecret=" + (instanceSecret == null ? "none" : "****")
                + "]";
    }
}
