package dev.kindling.agent;

import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.Registries;
import java.nio.file.Path;

/**
 * Where an instance keeps what its copies need, and how it fetches it.
 *
 * @param root the instance's disk for Kindling: {@code blobs/} (image blobs by digest), {@code images/} (unpacked
 *             images), {@code artifacts/} (model artifacts)
 * @param diskBudgetBytes most bytes the stores may hold; least recently used entries no copy uses are evicted
 * @param fetch chunk size, parallelism and retries of blob and object downloads
 * @param registries default registry, ECR mirror and credentials
 * @param imageCacheDirectory the endpoint's image cache this instance was given (a prepared volume holding
 *                            {@code blobs/sha256/<hex>}), or null
 * @param throughput the instance's network and disk limits
 */
public record DataPathSettings(Path root, long diskBudgetBytes, FetchSettings fetch, Registries.Settings registries,
                               Path imageCacheDirectory, InstanceThroughput throughput) {

    public DataPathSettings {
        if (root == null) throw new IllegalArgumentException("root is required");
        if (diskBudgetBytes <= 0) throw new IllegalArgumentException("diskBudgetBytes must be positive, was " + diskBudgetBytes);
        if (fetch == null) fetch = FetchSettings.DEFAULTS;
        if (registries == null) registries = Registries.Settings.direct();
        if (throughput == null) throughput = InstanceThroughput.UNLIMITED;
    }

    /** Defaults under {@code root}: no budget to speak of, direct registries, no image cache, no limits. */
    public static DataPathSettings under(Path root) {
        return new DataPathSettings(root, Long.MAX_VALUE, FetchSettings.DEFAULTS, Registries.Settings.direct(), null,
                InstanceThroughput.UNLIMITED);
    }

    public DataPathSettings withRegistries(Registries.Settings r) {
        return new DataPathSettings(root, diskBudgetBytes, fetch, r, imageCacheDirectory, throughput);
    }
}
