package dev.kindling.agent.s3.internal;

import software.amazon.awssdk.services.s3.S3Client;

/** One S3 call: what it does (for messages) and the call itself, one attempt; the caller adds retries and a breaker. */
public interface S3Operation<T> {

    /** What the call does, naming the object: "reading HEAD of s3://bucket/key". */
    String doing();

    T call(S3Client s3);
}
