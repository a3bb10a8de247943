package dev.kindling.agent.protocol;

/**
 * The control plane's answer to a registration it accepted: the endpoint caches this instance may use (null when
 * it is given none).
 */
public record RegistrationResponse(CacheGrant caches) {}
