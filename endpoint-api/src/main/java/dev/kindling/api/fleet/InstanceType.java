package dev.kindling.api.fleet;

import dev.kindling.cache.placement.Resources;

/**
 * An instance type: what it offers copies, how long the cloud takes to launch one, and how fast it moves bytes.
 *
 * @param launchDelaySeconds typical time from launch request to a booted instance, before any time scaling
 * @param networkGbps network bandwidth the instance can sustain (the EC2 baseline, not the "up to" burst)
 * @param diskWriteMibps write throughput of the volume images and models land on
 */
public record InstanceType(String name, int accelerators, String acceleratorModel, int vcpus, long memoryMb,
                           double launchDelaySeconds, double networkGbps, double diskWriteMibps) {

    public Resources capacity() {
        return new Resources(accelerators, vcpus * 1000L, memoryMb);
    }

    public InstanceType withLaunchDelaySeconds(double seconds) {
        return new InstanceType(name, accelerators, acceleratorModel, vcpus, memoryMb, seconds, networkGbps, diskWriteMibps);
    }

    public InstanceType withNetworkGbps(double gbps) {
        return new InstanceType(name, accelerators, acceleratorModel, vcpus, memoryMb, launchDelaySeconds, gbps, diskWriteMibps);
    }

    public InstanceType withDiskWriteMibps(double mibps) {
        return new InstanceType(name, accelerators, acceleratorModel, vcpus, memoryMb, launchDelaySeconds, networkGbps, mibps);
    }
}
