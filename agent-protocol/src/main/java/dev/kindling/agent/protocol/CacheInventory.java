package dev.kindling.agent.protocol;

import java.util.List;

/**
 * What an instance holds complete in its own stores (its data cache): images by the reference copies asked for, and
 * model artifacts by their URL, each with the bytes it takes.
 */
public record CacheInventory(List<Held> images, List<Held> models) {

    public CacheInventory {
        images = images == null ? List.of() : List.copyOf(images);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** One image (by reference) or model (by artifact URL) complete on the instance. */
    public record Held(String source, long bytes) {}

    public static final CacheInventory EMPTY = new CacheInventory(List.of(), List.of());
}
