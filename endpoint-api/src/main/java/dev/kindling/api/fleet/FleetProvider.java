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

    /** What to launch, and for whom. */
    record LaunchRequest(String instanceId, String endpointName, String variantName, InstanceType instanceType) {}

    /** A launch the fleet refused, with the reason a user can act on (for example, no capacity). */
    class LaunchException extends RuntimeException {
        public LaunchException(String message) {
            super(message);
        }
    }
}
