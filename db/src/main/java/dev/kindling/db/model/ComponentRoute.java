package dev.kindling.db.model;

/**
 * What the router needs to know of one inference component of a live endpoint: where it belongs, whether it can
 * serve, and how its variant spreads requests over copies.
 *
 * @param routingStrategy its variant's strategy in the endpoint's config (least outstanding requests when unset)
 */
public record ComponentRoute(
        String endpointName,
        String componentName,
        String variantName,
        ComponentStatus status,
        String failureReason,
        RoutingStrategy routingStrategy) {}
