package dev.kindling.api.fleet;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SageMaker instance types Kindling knows, with their published accelerators, vCPUs and memory. Launch delays
 * are typical provisioning times (GPU types take longer: larger AMIs, driver start-up). Network figures are the
 * baseline bandwidth EC2 publishes for the type (an "up to 10 Gbps" type sustains less than 10). Disk figures are
 * the default throughput of a gp3 EBS volume, 125 MiB/s: SageMaker's ML storage volume, and the write ceiling the
 * 13 GB cold-start study found to be the last bottleneck.
 */
public final class InstanceTypeCatalog {

    private static final double GP3 = 125;

    private static final List<InstanceType> KNOWN = List.of(
            new InstanceType("ml.m5.large", 0, null, 2, 8 * 1024, 60, 0.75, GP3),
            new InstanceType("ml.m5.xlarge", 0, null, 4, 16 * 1024, 60, 1.25, GP3),
            new InstanceType("ml.m5.2xlarge", 0, null, 8, 32 * 1024, 60, 2.5, GP3),
            new InstanceType("ml.c5.xlarge", 0, null, 4, 8 * 1024, 60, 1.25, GP3),
            new InstanceType("ml.g4dn.xlarge", 1, "NVIDIA T4", 4, 16 * 1024, 150, 5, GP3),
            new InstanceType("ml.g5.xlarge", 1, "NVIDIA A10G", 4, 16 * 1024, 150, 2.5, GP3),
            new InstanceType("ml.g5.2xlarge", 1, "NVIDIA A10G", 8, 32 * 1024, 150, 5, GP3),
            new InstanceType("ml.g5.12xlarge", 4, "NVIDIA A10G", 48, 192 * 1024, 180, 40, GP3),
            new InstanceType("ml.g6.xlarge", 1, "NVIDIA L4", 4, 16 * 1024, 150, 2.5, GP3),
            new InstanceType("ml.g6.2xlarge", 1, "NVIDIA L4", 8, 32 * 1024, 150, 5, GP3),
            new InstanceType("ml.g6.12xlarge", 4, "NVIDIA L4", 48, 192 * 1024, 180, 40, GP3),
            new InstanceType("ml.p4d.24xlarge", 8, "NVIDIA A100", 96, 1152 * 1024, 300, 400, GP3));

    private final Map<String, InstanceType> byName = new LinkedHashMap<>();

    /** The known types, each figure overridable per type name. */
    public InstanceTypeCatalog(Map<String, Double> launchDelaySeconds, Map<String, Double> networkGbps,
                               Map<String, Double> diskWriteMibps) {
        for (InstanceType t : KNOWN) {
            if (launchDelaySeconds.get(t.name()) != null) t = t.withLaunchDelaySeconds(launchDelaySeconds.get(t.name()));
            if (networkGbps.get(t.name()) != null) t = t.withNetworkGbps(networkGbps.get(t.name()));
            if (diskWriteMibps.get(t.name()) != null) t = t.withDiskWriteMibps(diskWriteMibps.get(t.name()));
            byName.put(t.name(), t);
        }
    }

    /** The known types as published. */
    public InstanceTypeCatalog() {
        this(Map.of(), Map.of(), Map.of());
    }

    public Optional<InstanceType> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The type by name; the caller validated that it exists. */
    public InstanceType get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown instance type " + name));
    }

    public Collection<InstanceType> all() {
        return byName.values();
    }
}
