/**
 * Peer fetch: an instance serves the blobs and model objects it holds to the other instances of its endpoint that
 * present the endpoint's peer token, and fetches from them, verifying every byte, before the registry and S3.
 */
package dev.kindling.agent.cache.peer;
