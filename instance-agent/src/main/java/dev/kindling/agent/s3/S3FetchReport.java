package dev.kindling.agent.s3;

import java.time.Duration;

/**
 * What one S3 fetch did: objects it was asked for, bytes read from S3, bytes an earlier interrupted fetch had left
 * (re-verified, not re-read), S3 calls retried (chunks and metadata), and how long it took.
 */
public record S3FetchReport(int objects, long bytesFetched, long bytesResumed, int retries, Duration elapsed) {}
