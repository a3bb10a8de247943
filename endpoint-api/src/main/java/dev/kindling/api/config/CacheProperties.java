package dev.kindling.api.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The cache tiers new instances start with, under {@code kindling.cache.*}: each endpoint's image cache and model
 * cache (one volume per endpoint, built by the leader's cache manager and attached to the endpoint's instances), and
 * peer fetch between instances of one endpoint. Every value has a default; start-up fails with a message naming the
 * key when one is out of range.
 *
 * @param imageCache build each endpoint's image cache (every image its components name) and give it to its instances
 * @param modelCache cache the model of each component too (a component can opt out with
 *        {@code "modelCacheEnabled": false} in its specification)
 * @param peerFetch let an instance fetch blobs from the other instances of its endpoint before the registry and S3
 * @param directory where the local fleet's cache volumes live, {@code <endpoint>/gen-<n>} (default: beside the
 *        fleet's data directory, {@code <kindling.fleet.local.data-directory>-caches})
 * @param intervalMillis time between two passes of the cache manager (an agent's fault report also wakes it)
 * @param maxConcurrentBuilds cache volumes built at once, across endpoints (one per endpoint at most)
 * @param oldGenerationGraceSeconds how long a replaced volume stays after its successor is ready, for agents still
 *        reading it
 * @param buildRetrySeconds wait before retrying a failed build; doubles with each failure in a row
 * @param buildRetryMaxSeconds longest wait between two attempts
 */
@ConfigurationProperties("kindling.cache")
public record CacheProperties(
        @DefaultValue Switch imageCache,
        @DefaultValue Switch modelCache,
        @DefaultValue Switch peerFetch,
        Path directory,
        @DefaultValue("2000") long intervalMillis,
        @DefaultValue("2") int maxConcurrentBuilds,
        @DefaultValue("60") long oldGenerationGraceSeconds,
        @DefaultValue("5") long buildRetrySeconds,
        @DefaultValue("600") long buildRetryMaxSeconds) {

    /** A tier on or off. */
    public record Switch(@DefaultValue("true") boolean enabled) {}

    public CacheProperties {
        List<String> errors = new ArrayList<>();
        range(errors, "kindling.cache.interval-millis", intervalMillis, 50, 600_000);
        range(errors, "kindling.cache.max-concurrent-builds", maxConcurrentBuilds, 1, 64);
        range(errors, "kindling.cache.old-generation-grace-seconds", oldGenerationGraceSeconds, 0, 86_400);
        range(errors, "kindling.cache.build-retry-seconds", buildRetrySeconds, 1, 86_400);
        range(errors, "kindling.cache.build-retry-max-seconds", buildRetryMaxSeconds, buildRetrySeconds, 86_400);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid Kindling configuration: " + String.join("; ", errors));
        }
    }

    /** The directory of local cache volumes: as configured, else beside the fleet's data directory. */
    public Path directoryBeside(Path fleetDataDirectory) {
        if (directory != null) return directory;
        Path name = fleetDataDirectory.toAbsolutePath().normalize().getFileName();
        return fleetDataDirectory.toAbsolutePath().normalize().resolveSibling((name == null ? "fleet" : name) + "-caches");
    }

    private static void range(List<String> errors, String key, long value, long min, long max) {
        if (value < min || value > max) errors.add(key + " must be between " + min + " and " + max + ", was " + value);
    }
}
