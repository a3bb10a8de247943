/** Endpoint cache volumes: filling one with an endpoint's images and models, verified, in the layout agents read. */
package dev.kindling.agent.cache.volume;
