package dev.kindling.api.router;

import java.time.Duration;

/**
 * The router's limits; see {@code kindling.router.*}.
 *
 * @param heldQueueSize requests one component may hold while it has no copy; more get 429
 * @param heldTimeout longest a request is held; then 503
 * @param invocationTimeout longest from dispatch to a copy until the answer's last byte; then 504
 * @param maxRequestBytes largest request body; larger gets 413
 * @param refreshInterval time between two reads of the routing table
 * @param connectTimeout longest a connection to a copy may take; past it the request goes to another copy
 * @param maxConnectionsPerCopy pooled connections to one copy's model server
 * @param maxPendingConnectionsPerCopy requests that may wait for one of those connections
 */
public record RouterSettings(int heldQueueSize, Duration heldTimeout, Duration invocationTimeout, long maxRequestBytes,
                             Duration refreshInterval, Duration connectTimeout, int maxConnectionsPerCopy,
                             int maxPendingConnectionsPerCopy) {}
