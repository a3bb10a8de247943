package dev.kindling.cache.endpoint;

import java.time.Duration;

/**
 * How the cache manager retries a failed build: after {@code retryBackoff}, doubling with each failure in a row, at
 * most {@code maxRetryBackoff}.
 */
public record BuildSettings(Duration retryBackoff, Duration maxRetryBackoff) {

    public BuildSettings {
        if (retryBackoff.isNegative() || retryBackoff.isZero()) {
            throw new IllegalArgumentException("retryBackoff must be positive, was " + retryBackoff);
        }
        if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("maxRetryBackoff must be at least retryBackoff, was " + maxRetryBackoff);
        }
    }

    /** The wait before the next attempt after {@code failuresInARow} failures (at least one). */
    public Duration backoffAfter(long failuresInARow) {
        long doublings = Math.max(0, Math.min(failuresInARow - 1, 30));
        Duration d = retryBackoff.multipliedBy(1L << doublings);
        return d.compareTo(maxRetryBackoff) > 0 ? maxRetryBackoff : d;
    }
}
