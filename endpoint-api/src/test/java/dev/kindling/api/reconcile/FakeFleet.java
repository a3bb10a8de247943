package dev.kindling.api.reconcile;

import dev.kindling.api.fleet.FleetProvider;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A fleet that records launches and terminations, and refuses launches past a capacity. */
final class FakeFleet implements FleetProvider {

    final List<LaunchRequest> launched = new ArrayList<>();
    final Set<String> running = new LinkedHashSet<>();
    final Set<String> terminated = new LinkedHashSet<>();
    int capacity = Integer.MAX_VALUE;

    @Override
    public synchronized void launch(LaunchRequest request) {
        if (running.size() >= capacity) {
            throw new LaunchException("InsufficientCapacity: fake fleet is full (" + capacity + " instances)");
        }
        launched.add(request);
        running.add(request.instanceId());
    }

    @Override
    public synchronized void terminate(String instanceId) {
        running.remove(instanceId);
        terminated.add(instanceId);
    }
}
