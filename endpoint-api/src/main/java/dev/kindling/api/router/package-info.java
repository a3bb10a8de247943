/**
 * The invocation router: an in-memory routing table rebuilt from PostgreSQL on every replica, that proxies each
 * invocation to a copy of its inference component (least outstanding requests or random), holds requests while a
 * component has no copy, and measures the load the scaler reads.
 */
package dev.kindling.api.router;
