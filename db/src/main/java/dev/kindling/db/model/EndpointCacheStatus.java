package dev.kindling.db.model;

/** Where the newest generation of an endpoint's cache volume is: being built, ready for agents, or failed. */
public enum EndpointCacheStatus { Building, Ready, Failed }
