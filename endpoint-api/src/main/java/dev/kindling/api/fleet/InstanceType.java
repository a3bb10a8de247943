package dev.kindling.api.fleet;

import dev.kindling.cache.placement.Resources;

/**
 * An instance type: what it offers copies, and how long the cloud takes to launch one.
 *
 * @param launchDelaySeconds typical time from launch request to a booted instance, before any time scaling
 */
public record InstanceType(String name, int accelerators, String acceleratorModel, int vcpus, long memoryMb,
                           double launchDelaySeconds) {

    public Resources capacity() {
        return new Resources(accelerators, vcpus * 1000L, memoryMb);
    }
}
