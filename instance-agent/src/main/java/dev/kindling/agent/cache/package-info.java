/**
 * The cache tiers a fetch resolves through before the remote source: for image blobs, the instance's blob store and
 * an endpoint's image cache before the registry; for model artifacts, the instance's artifact store and artifact
 * caches before S3.
 */
package dev.kindling.agent.cache;
