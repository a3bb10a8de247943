package dev.kindling.agent.io;

/**
 * What an instance can move per second: over its network (registry pulls, S3 downloads, peer fetches) and onto its
 * disk (every byte written into its stores and unpacked). Emulated instances get limits from their instance type;
 * a real instance runs unlimited, its hardware being the limit.
 */
public record InstanceThroughput(Throughput network, Throughput disk) {

    public static final InstanceThroughput UNLIMITED = new InstanceThroughput(Throughput.UNLIMITED, Throughput.UNLIMITED);

    public InstanceThroughput {
        if (network == null || disk == null) throw new IllegalArgumentException("network and disk limits are required");
    }

    /** Limits in bytes per second; zero or less means unlimited. */
    public static InstanceThroughput of(double networkBytesPerSecond, double diskBytesPerSecond) {
        return new InstanceThroughput(Throughput.bytesPerSecond(networkBytesPerSecond),
                Throughput.bytesPerSecond(diskBytesPerSecond));
    }
}
