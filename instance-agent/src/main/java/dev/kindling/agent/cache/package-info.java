/**
 * The cache tiers a fetch resolves through before the remote source: for image blobs, the instance's blob store, the
 * endpoint's image cache and its peers before the registry; for model artifacts, the instance's artifact store, the
 * endpoint's model cache and its peers before S3. Each fetch reports the tier of every blob and the faults it found.
 */
package dev.kindling.agent.cache;
