package dev.kindling.agent.protocol;

/**
 * The endpoint caches an instance may read, given only after the agent proved which endpoint it serves. A cache
 * belongs to one endpoint: the locations hold only that endpoint's images and models, and the peer token opens
 * only that endpoint's instances to each other.
 *
 * @param endpointName the endpoint the caches belong to
 * @param generation the build of the endpoint's caches these locations hold (a rebuild makes a new generation)
 * @param imageCacheLocation where the endpoint's image cache is mounted on this instance (a directory of blobs,
 *                           {@code blobs/sha256/<hex>}), or null when the endpoint has none ready
 * @param modelCacheLocation where the endpoint's model cache is mounted (a directory laid out as
 *                           {@code <bucket>/<key>}), or null when it has none ready or model caching is off
 * @param peerToken the bearer token this endpoint's instances present to each other to fetch blobs (peer fetch), or
 *                  null when peer fetch is off
 */
public record CacheGrant(String endpointName, long generation, String imageCacheLocation, String modelCacheLocation,
                         String peerToken) {}
