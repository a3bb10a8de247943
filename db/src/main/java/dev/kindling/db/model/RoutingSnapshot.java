package dev.kindling.db.model;

import java.util.List;

/**
 * Everything the invocation router routes by, read at one moment: the live endpoints (not being deleted), their
 * inference components, and the copies in service.
 */
public record RoutingSnapshot(List<String> endpointNames, List<ComponentRoute> components, List<CopyRoute> copies) {

    public RoutingSnapshot {
        endpointNames = List.copyOf(endpointNames);
        components = List.copyOf(components);
        copies = List.copyOf(copies);
    }
}
