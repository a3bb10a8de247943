/** Per-endpoint caches: what an endpoint's cache volume must hold, and when it must be rebuilt. */
package dev.kindling.cache.endpoint;
