package dev.kindling.agent.s3;

import java.time.Duration;

/**
 * How model artifacts are fetched from S3.
 *
 * @param chunkBytes size of one ranged GET; S3's guidance for byte-range fetches is 8 to 16 MB, and 16 MiB keeps
 *                   per-request overhead small while a 1 GiB object still spreads over 64 chunks and every worker
 * @param parallelism ranged GETs in flight at once, across all objects of a fetch; one more than the cores by
 *                    default, as for registry blobs (on a small machine extra workers only compete with hashing)
 * @param attempts tries per S3 call (a chunk, a HEAD, a listing page) before the fetch fails
 * @param chunkTimeout longest one chunk may take (request and body) before it is aborted and retried
 * @param requestTimeout longest a HEAD or a listing page may take per attempt
 */
public record S3FetchSettings(long chunkBytes, int parallelism, int attempts, Duration chunkTimeout, Duration requestTimeout) {

    public static final S3FetchSettings DEFAULTS = new S3FetchSettings(16L << 20,
            Math.clamp(Runtime.getRuntime().availableProcessors() + 1, 2, 16), 4, Duration.ofSeconds(60),
            Duration.ofSeconds(10));

    public S3FetchSettings {
        if (chunkBytes < 64 * 1024) throw new IllegalArgumentException("chunkBytes must be at least 64 KiB, was " + chunkBytes);
        if (parallelism < 1 || parallelism > 256) throw new IllegalArgumentException("parallelism must be 1 to 256, was " + parallelism);
        if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
        if (chunkTimeout == null || !chunkTimeout.isPositive()) throw new IllegalArgumentException("chunkTimeout must be positive");
        if (requestTimeout == null || !requestTimeout.isPositive()) throw new IllegalArgumentException("requestTimeout must be positive");
    }

    public S3FetchSettings withChunkBytes(long bytes) {
        return new S3FetchSettings(bytes, parallelism, attempts, chunkTimeout, requestTimeout);
    }

    public S3FetchSettings withParallelism(int workers) {
        return new S3FetchSettings(chunkBytes, workers, attempts, chunkTimeout, requestTimeout);
    }

    public S3FetchSettings withAttempts(int tries) {
        return new S3FetchSettings(chunkBytes, parallelism, tries, chunkTimeout, requestTimeout);
    }

    public S3FetchSettings withTimeouts(Duration chunk, Duration request) {
        return new S3FetchSettings(chunkBytes, parallelism, attempts, chunk, request);
    }
}
