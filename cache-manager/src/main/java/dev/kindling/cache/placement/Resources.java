package dev.kindling.cache.placement;

/**
 * An amount of instance resources: accelerator devices, CPU cores (fractions allowed, as in SageMaker's
 * NumberOfCpuCoresRequired) and memory in MiB. CPU is kept in milli-cores so sums are exact.
 */
public record Resources(int accelerators, long cpuMillis, long memoryMb) {

    public static final Resources NONE = new Resources(0, 0, 0);

    public Resources {
        if (accelerators < 0 || cpuMillis < 0 || memoryMb < 0) {
            throw new IllegalArgumentException("resources must not be negative: " + accelerators + " accelerators, "
                    + cpuMillis + " milli-cores, " + memoryMb + " MiB");
        }
    }

    public static Resources of(int accelerators, double cpuCores, long memoryMb) {
        // Checked before rounding: Math.round turns NaN and small negatives into 0, a copy that needs no CPU.
        if (!(cpuCores >= 0)) {
            throw new IllegalArgumentException("CPU cores must not be negative or NaN: " + cpuCores);
        }
        return new Resources(accelerators, Math.round(cpuCores * 1000), memoryMb);
    }

    public double cpuCores() {
        return cpuMillis / 1000.0;
    }

    public Resources plus(Resources o) {
        return new Resources(accelerators + o.accelerators, cpuMillis + o.cpuMillis, memoryMb + o.memoryMb);
    }

    /** What is left after taking {@code o}; negative parts clamp to zero (an over-committed instance has none free). */
    public Resources minusClamped(Resources o) {
        return new Resources(Math.max(0, accelerators - o.accelerators), Math.max(0, cpuMillis - o.cpuMillis),
                Math.max(0, memoryMb - o.memoryMb));
    }

    public boolean covers(Resources need) {
        return accelerators >= need.accelerators && cpuMillis >= need.cpuMillis && memoryMb >= need.memoryMb;
    }

    @Override
    public String toString() {
        return accelerators + " accelerators, " + cpuCores() + " CPU cores, " + memoryMb + " MiB";
    }
}
