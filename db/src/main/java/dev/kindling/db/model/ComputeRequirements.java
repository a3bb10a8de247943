package dev.kindling.db.model;

/**
 * What one copy reserves on its instance. {@code minMemoryRequiredInMb} is reserved; the optional maximum is
 * the most the copy may use.
 */
public record ComputeRequirements(
        int numberOfAcceleratorDevicesRequired,
        double numberOfCpuCoresRequired,
        long minMemoryRequiredInMb,
        Long maxMemoryRequiredInMb) {}
