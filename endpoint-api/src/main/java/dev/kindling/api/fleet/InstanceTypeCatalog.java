package dev.kindling.api.fleet;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SageMaker instance types Kindling knows, with their published accelerators, vCPUs and memory. Launch delays
 * are typical provisioning times (GPU types take longer: larger AMIs, driver start-up).
 */
public final class InstanceTypeCatalog {

    private static final List<InstanceType> KNOWN = List.of(
            new InstanceType("ml.m5.large", 0, null, 2, 8 * 1024, 60),
            new InstanceType("ml.m5.xlarge", 0, null, 4, 16 * 1024, 60),
            new InstanceType("ml.m5.2xlarge", 0, null, 8, 32 * 1024, 60),
            new InstanceType("ml.c5.xlarge", 0, null, 4, 8 * 1024, 60),
            new InstanceType("ml.g4dn.xlarge", 1, "NVIDIA T4", 4, 16 * 1024, 150),
            new InstanceType("ml.g5.xlarge", 1, "NVIDIA A10G", 4, 16 * 1024, 150),
            new InstanceType("ml.g5.2xlarge", 1, "NVIDIA A10G", 8, 32 * 1024, 150),
            new InstanceType("ml.g5.12xlarge", 4, "NVIDIA A10G", 48, 192 * 1024, 180),
            new InstanceType("ml.g6.xlarge", 1, "NVIDIA L4", 4, 16 * 1024, 150),
            new InstanceType("ml.g6.2xlarge", 1, "NVIDIA L4", 8, 32 * 1024, 150),
            new InstanceType("ml.g6.12xlarge", 4, "NVIDIA L4", 48, 192 * 1024, 180),
            new InstanceType("ml.p4d.24xlarge", 8, "NVIDIA A100", 96, 1152 * 1024, 300));

    private final Map<String, InstanceType> byName = new LinkedHashMap<>();

    public InstanceTypeCatalog(Map<String, Double> launchDelayOverrides) {
        for (InstanceType t : KNOWN) {
            Double delay = launchDelayOverrides.get(t.name());
            byName.put(t.name(), delay == null ? t
                    : new InstanceType(t.name(), t.accelerators(), t.acceleratorModel(), t.vcpus(), t.memoryMb(), delay));
        }
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
