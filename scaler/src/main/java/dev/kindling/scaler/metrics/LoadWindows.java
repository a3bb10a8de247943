package dev.kindling.scaler.metrics;

import java.time.Instant;
import java.util.Objects;

/**
 * The load windows of one inference component, fed once a second: the stable and burst windows over concurrency
 * and invocations, and SageMaker's high-resolution periods over concurrency. Several records for one second add
 * up, so router replicas may each report their own share. Rebuildable: a new leader starts empty and reads
 * {@link LoadReadings#valid()} false until a window fills. Safe to record and read from different threads.
 */
public final class LoadWindows implements LoadSource {

    private final WindowSettings settings;
    private final SlidingWindow stableConcurrency;
    private final SlidingWindow burstConcurrency;
    private final SlidingWindow stableInvocations;
    private final SlidingWindow burstInvocations;
    private final AlignedPeriods highResolution;
    private long lastNonZeroSecond = Long.MIN_VALUE;

    public LoadWindows(WindowSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.stableConcurrency = new SlidingWindow(settings.stable());
        this.burstConcurrency = new SlidingWindow(settings.burst());
        this.stableInvocations = new SlidingWindow(settings.stable());
        this.burstInvocations = new SlidingWindow(settings.burst());
        this.highResolution = new AlignedPeriods(settings.highResolutionPeriod());
    }

    public WindowSettings settings() {
        return settings;
    }

    /**
     * Records one second of load.
     *
     * @param second      the second the sample describes (its sub-second part is ignored)
     * @param concurrency time-weighted average of requests in flight in the whole component during that second
     * @param invocations requests that arrived during that second
     */
    public synchronized void record(Instant second, double concurrency, long invocations) {
        if (!(concurrency >= 0) || invocations < 0) {
            throw new IllegalArgumentException("concurrency and invocations must be 0 or more, were "
                    + concurrency + " and " + invocations);
        }
        long units = SlidingWindow.toUnits(concurrency);
        stableConcurrency.record(second, concurrency);
        burstConcurrency.record(second, concurrency);
        stableInvocations.record(second, invocations);
        burstInvocations.record(second, invocations);
        highResolution.record(second.getEpochSecond(), units);
        // Judged at the windows' resolution, so a sample the windows read as 0 does not hold off scale to zero.
        if (units > 0 || invocations > 0) {
            lastNonZeroSecond = Math.max(lastNonZeroSecond, second.getEpochSecond());
        }
    }

    @Override
    public synchronized LoadReadings read(Instant now) {
        long period = highResolution.lastCompleted(now.getEpochSecond());
        boolean valid = stableConcurrency.seconds(now) > 0 && highResolution.seconds(period) > 0;
        int stableSeconds = stableInvocations.seconds(now);
        int burstSeconds = burstInvocations.seconds(now);
        return new LoadReadings(
                valid,
                stableConcurrency.average(now),
                burstConcurrency.average(now),
                highResolution.average(period),
                stableSeconds == 0 ? 0 : stableInvocations.sum(now) * 60 / stableSeconds,
                burstSeconds == 0 ? 0 : burstInvocations.sum(now) * 60 / burstSeconds,
                lastNonZeroSecond == Long.MIN_VALUE ? null : Instant.ofEpochSecond(lastNonZeroSecond));
    }
}
