package dev.kindling.agent;

import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.s3.S3FetchSettings;
import java.net.URI;
import java.nio.file.Path;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Where an instance keeps what its copies need, and how it fetches it.
 *
 * @param root the instance's disk for Kindling: {@code blobs/} and {@code partial/} (image blobs by digest),
 *             {@code images/} (unpacked images), {@code models/} (model artifacts)
 * @param diskBudgetBytes most bytes image blobs and model artifacts may hold together; least recently used entries
 *                        no copy uses are evicted
 * @param fetch chunk size, parallelism and retries of registry blob downloads
 * @param registries default registry, ECR mirror and credentials
 * @param s3 where model artifacts are read from, and how
 * @param imageCacheDirectory an image cache (a directory holding {@code blobs/sha256/<hex>}) read where the control
 *                            plane's grant names none, for an agent run on its own; or null
 * @param modelCacheDirectory a model cache (a directory laid out as {@code <bucket>/<key>}) read where the grant
 *                            names none; or null
 * @param throughput the instance's network and disk limits
 */
public record DataPathSettings(Path root, long diskBudgetBytes, FetchSettings fetch, Registries.Settings registries,
                               S3Access s3, Path imageCacheDirectory, Path modelCacheDirectory,
                               InstanceThroughput throughput) {

    /**
     * How the agent reaches S3.
     *
     * @param endpoint an S3-compatible endpoint (the embedded store, MinIO), spoken to path-style; null for AWS
     * @param region the region to sign for (and of the buckets, on AWS)
     * @param credentials who the agent is; the default chain (instance profile) on AWS
     * @param fetch chunk size, parallelism, retries and timeouts of object downloads
     */
    public record S3Access(URI endpoint, String region, AwsCredentialsProvider credentials, S3FetchSettings fetch) {
        public S3Access {
            if (region == null || region.isBlank()) region = "us-east-1";
            if (credentials == null) credentials = DefaultCredentialsProvider.builder().build();
            if (fetch == null) fetch = S3FetchSettings.DEFAULTS;
        }
    }

    public DataPathSettings {
        if (root == null) throw new IllegalArgumentException("root is required");
        if (diskBudgetBytes <= 0) throw new IllegalArgumentException("diskBudgetBytes must be positive, was " + diskBudgetBytes);
        if (fetch == null) fetch = FetchSettings.DEFAULTS;
        if (registries == null) registries = Registries.Settings.direct();
        if (s3 == null) s3 = new S3Access(null, null, null, null);
        if (throughput == null) throughput = InstanceThroughput.UNLIMITED;
    }

    /** Defaults under {@code root}: no budget to speak of, direct registries, AWS S3, no caches, no limits. */
    public static DataPathSettings under(Path root) {
        return new DataPathSettings(root, Long.MAX_VALUE, null, null, null, null, null, null);
    }
}
