/** Per-endpoint cache volumes: building them, granting them to the endpoint's instances, rebuilding and deleting them. */
package dev.kindling.api.caches;
