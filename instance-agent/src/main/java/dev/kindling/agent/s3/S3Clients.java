package dev.kindling.agent.s3;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** S3 clients configured the way the agent reads model artifacts, for AWS or an S3-compatible endpoint. */
public final class S3Clients {

    private S3Clients() {}

    /**
     * A builder with the agent's settings; add a region (and an endpoint) and build. What it sets, and why:
     * <ul>
     *   <li>No SDK retries: {@link S3Reader} retries each call with its own budget, backoff and circuit breaker, and
     *       two retry layers would multiply attempts and hide them from the fetch report.</li>
     *   <li>Checksums {@code WHEN_REQUIRED} both ways. Responses: downloads are ranged GETs, for which S3 returns no
     *       full-object checksum, and the fetcher verifies every whole object itself (its ETag, and the full-object
     *       checksum HeadObject reports with checksum mode on), so SDK validation would add nothing. Requests: the
     *       agent sends no bodies; a caller that uploads with this builder (tests, benchmarks) and wants S3 to keep a
     *       checksum sets it on the request ({@code checksumSHA256(...)}), which the SDK then sends as a header.
     *       With {@code WHEN_SUPPORTED} the SDK sends aws-chunked bodies with the checksum in a trailer, which real
     *       S3 stores but s3proxy 4.1 does not (it accepts the body and drops the trailer checksum), and which some
     *       other S3-compatible stores refuse; a header works on all of them.</li>
     *   <li>The Apache client's socket timeout is the chunk timeout, so a body that stalls between watchdog checks
     *       still ends; enough connections for every worker.</li>
     * </ul>
     * Interceptors (metrics, call counting) go in here: setting the override configuration again on the builder
     * would replace it, retry setting included.
     */
    public static S3ClientBuilder builder(S3FetchSettings settings, ExecutionInterceptor... interceptors) {
        return S3Client.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                        .socketTimeout(settings.chunkTimeout())
                        .connectionTimeout(Duration.ofSeconds(10))
                        .maxConnections(Math.max(16, settings.parallelism() * 2)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> {
                    o.retryStrategy(b -> b.maxAttempts(1));
                    for (ExecutionInterceptor i : interceptors) o.addExecutionInterceptor(i);
                });
    }

    /** Amazon S3 in a region, as {@code credentials} (the default chain, an instance profile on EC2, as a rule). */
    public static S3Client forRegion(Region region, AwsCredentialsProvider credentials, S3FetchSettings settings) {
        return builder(settings).region(region).credentialsProvider(credentials).build();
    }

    /**
     * An S3-compatible endpoint, such as the embedded s3proxy or MinIO: path-style addressing
     * ({@code http://host:port/bucket/key}), since such endpoints have no per-bucket host names.
     */
    public static S3Client forEndpoint(URI endpoint, Region region, AwsCredentialsProvider credentials,
                                       S3FetchSettings settings) {
        return builder(settings).endpointOverride(endpoint).forcePathStyle(true).region(region)
                .credentialsProvider(credentials).build();
    }
}
