package dev.kindling.agent.registry;

import java.time.Duration;

/**
 * How blobs are fetched.
 *
 * @param chunkBytes size of one ranged GET; 32 MiB keeps several requests in flight on a large layer without
 *                   paying per-request overhead on every few hundred KB
 * @param parallelism ranged GETs in flight at once, across all blobs of an image; by default one more than the
 *                    cores, since on a small machine extra workers only compete with hashing and the network
 *                    stack (measured in BENCHMARKS.md: 3 workers beat 8 on 2 cores)
 * @param chunkAttempts tries per chunk before the fetch fails
 * @param chunkTimeout longest one chunk may take (headers and body) before it is abandoned and retried
 */
public record FetchSettings(long chunkBytes, int parallelism, int chunkAttempts, Duration chunkTimeout) {

    public static final FetchSettings DEFAULTS = new FetchSettings(32L << 20,
            Math.clamp(Runtime.getRuntime().availableProcessors() + 1, 2, 16), 4, Duration.ofSeconds(60));

    public FetchSettings {
        if (chunkBytes < 64 * 1024) throw new IllegalArgumentException("chunkBytes must be at least 64 KiB, was " + chunkBytes);
        if (parallelism < 1 || parallelism > 256) throw new IllegalArgumentException("parallelism must be 1 to 256, was " + parallelism);
        if (chunkAttempts < 1) throw new IllegalArgumentException("chunkAttempts must be at least 1");
    }
}
