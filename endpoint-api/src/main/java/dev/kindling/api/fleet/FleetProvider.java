package dev.kindling.api.fleet;

/**
 * Launches and terminates instances. The control plane chooses the instance id and records the instance before
 * launching it; the instance's agent then registers under that id.
 */
public interface FleetProvider {

    /** Starts an instance in the background; throws {@link LaunchException} when the fleet cannot. */
    void launch(LaunchRequest request);

    /** Stops the instance if it still runs; terminating an unknown or gone instance does nothing. */
    void terminate(String instanceId);

    /**
     * What to launch, and for whom.
     *
     * @param instanceSecret the secret the instance's agent proves itself with (to register, heartbeat and be given
     *                       the endpoint's caches); the control plane keeps only its hash. Null: the agent has none.
     * @param cache the endpoint's cache volume to attach, or null when it has none ready (or caching is off). The
     *              agent is told where it is mounted only after it proves which endpoint it serves.
     */
    record LaunchRequest(String instanceId, String endpointName, String variantName, InstanceType instanceType,
                         String instanceSecret, CacheVolume cache) {

        public LaunchRequest(String instanceId, String endpointName, String variantName, InstanceType instanceType) {
            this(instanceId, endpointName, variantName, instanceType, null, null);
        }
    }

    /**
     * An endpoint's cache volume as a launch attaches it: its generation and where it is (a directory for the local
     * fleet, an EBS snapshot id for EC2).
     */
    record CacheVolume(String endpointName, long generation, String location) {}

    /** A launch the fleet refused, with the reason a user can act on (for example, no capacity). */
    class LaunchException extends RuntimeException {
        public LaunchException(String message) {
            super(message);
        }
    }
}
