/**
 * The endpoint cache tiers: the image and model cache volume the control plane granted this instance, read through
 * the volume's own list of what it holds, so a blob it should hold and does not, or holds corrupt, is reported.
 */
package dev.kindling.agent.cache.endpoint;
