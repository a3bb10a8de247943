package dev.kindling.api.caches;

import dev.kindling.cache.endpoint.EndpointCachePlan;

/**
 * Where endpoint cache volumes are built and kept: directories the local fleet's instances mount, or EBS snapshots
 * EC2 launches attach. Building blocks until the volume is complete and verified; it never touches the database.
 */
public interface CacheVolumes {

    /**
     * Builds generation {@code generation} of the endpoint's cache volume with every image and model of the plan,
     * each blob verified by digest and each object by its ETag, and the volume's manifest written last.
     *
     * @throws CacheBuildException naming the image or model that could not be cached, and why
     */
    BuiltVolume build(String endpointName, long generation, EndpointCachePlan plan);

    /** Deletes a volume this store built (a replaced generation, or one of a deleted endpoint); gone already is fine. */
    void delete(String location);

    /**
     * Every complete volume this store holds, so the cache manager can delete those no record needs (of deleted
     * endpoints, replaced generations) even after a restart. A store that cannot list answers none; the manager then
     * deletes only the volumes it saw in records.
     */
    default java.util.List<StoredVolume> stored() {
        return java.util.List.of();
    }

    /**
     * Where an instance finds a volume attached from {@code location}: the directory itself for the local fleet, the
     * mount path for a volume made from a snapshot.
     */
    default String mountedAt(String location) {
        return location;
    }

    /** A complete volume as the store lists it. */
    record StoredVolume(String endpointName, long generation, String location) {}

    /**
     * A finished volume.
     *
     * @param location a directory path (local) or an EBS snapshot id (EC2)
     * @param contentJson what it holds, as stored in {@code endpoint_caches.content}
     */
    record BuiltVolume(String location, long imageBytes, long modelBytes, String contentJson) {}

    /** A volume that could not be built; the reason names the image or model. */
    class CacheBuildException extends RuntimeException {
        public CacheBuildException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
