package dev.kindling.api.router;

import java.time.Instant;

/**
 * The load one component had since the previous {@link LoadSampler#drain}.
 *
 * @param concurrency time-weighted average of its requests in flight (at a copy or held) over the interval
 * @param invocations requests that arrived in the interval
 * @param held requests waiting for a copy now
 * @param oldestHeldAt when the longest-waiting held request arrived, or null when none waits
 */
public record ComponentLoad(String endpointName, String componentName, String variantName, double concurrency,
                            long invocations, int held, Instant oldestHeldAt) {}
