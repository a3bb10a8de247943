package dev.kindling.db.model;

/** How the router picks a copy for a request. */
public enum RoutingStrategy { LEAST_OUTSTANDING_REQUESTS, RANDOM }
