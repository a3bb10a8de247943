package dev.kindling.db.model;

/** An InService copy the router may send requests to: its component and its model server's base URL. */
public record CopyRoute(String copyId, String componentName, String modelServerUrl) {}
