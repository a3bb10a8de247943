/** The cache tiers a blob is resolved through before the registry: an endpoint's image cache, in order. */
package dev.kindling.agent.cache;
