package dev.kindling.api.config;

import dev.kindling.api.router.RouterSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the invocation router, under {@code kindling.router.*}. Every value has a default; start-up fails
 * with a message naming the key when one is out of range.
 *
 * @param heldQueueSize requests one component holds while it has no copy in service (0: none; refused with 429)
 * @param heldTimeoutMillis longest a request is held waiting for a copy before it gets 503 (default 5 min, longer
 *        than a cold start)
 * @param invocationTimeoutMillis longest from dispatch to a copy until the last byte of its answer before the client
 *        gets 504 (SageMaker's limit is 60 s)
 * @param maxRequestBytes largest request body; a larger one gets 413 (SageMaker's limit is 6 MiB)
 * @param refreshIntervalMillis time between two reads of the routing table from the database
 * @param connectTimeoutMillis longest a connection to a copy may take; past it the request goes to another copy
 * @param maxConnectionsPerCopy pooled keep-alive connections to one copy's model server, shared out among the event
 *        loops (each has a pool of its own)
 * @param maxPendingConnectionsPerCopy requests that may wait for one of those connections; more get 503
 */
@ConfigurationProperties("kindling.router")
public record RouterProperties(
        @DefaultValue("100") int heldQueueSize,
        @DefaultValue("300000") long heldTimeoutMillis,
        @DefaultValue("60000") long invocationTimeoutMillis,
        @DefaultValue("6291456") long maxRequestBytes,
        @DefaultValue("250") long refreshIntervalMillis,
        @DefaultValue("1000") long connectTimeoutMillis,
        @DefaultValue("1024") int maxConnectionsPerCopy,
        @DefaultValue("10000") int maxPendingConnectionsPerCopy) {

    public RouterProperties {
        List<String> errors = new ArrayList<>();
        range(errors, "kindling.router.held-queue-size", heldQueueSize, 0, 100_000);
        range(errors, "kindling.router.held-timeout-millis", heldTimeoutMillis, 1, 3_600_000);
        range(errors, "kindling.router.invocation-timeout-millis", invocationTimeoutMillis, 1, 3_600_000);
        range(errors, "kindling.router.max-request-bytes", maxRequestBytes, 1, 1L << 30);
        range(errors, "kindling.router.refresh-interval-millis", refreshIntervalMillis, 10, 60_000);
        range(errors, "kindling.router.connect-timeout-millis", connectTimeoutMillis, 1, 60_000);
        range(errors, "kindling.router.max-connections-per-copy", maxConnectionsPerCopy, 1, 100_000);
        range(errors, "kindling.router.max-pending-connections-per-copy", maxPendingConnectionsPerCopy, 1, 1_000_000);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid Kindling configuration: " + String.join("; ", errors));
        }
    }

    /** The router's own settings value. */
    public RouterSettings settings() {
        return new RouterSettings(heldQueueSize, Duration.ofMillis(heldTimeoutMillis),
                Duration.ofMillis(invocationTimeoutMillis), maxRequestBytes, Duration.ofMillis(refreshIntervalMillis),
                Duration.ofMillis(connectTimeoutMillis), maxConnectionsPerCopy, maxPendingConnectionsPerCopy);
    }

    private static void range(List<String> errors, String key, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(key + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
