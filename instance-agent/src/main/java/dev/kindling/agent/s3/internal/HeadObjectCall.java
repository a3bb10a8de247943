package dev.kindling.agent.s3.internal;

import java.time.Duration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** HeadObject with checksum mode on, so S3 reports the object's full-object checksum if it has one. */
public record HeadObjectCall(String bucket, String key, Duration timeout) implements S3Operation<HeadObjectResponse> {

    @Override
    public String doing() {
        return "reading the metadata of s3://" + bucket + "/" + key;
    }

    @Override
    public HeadObjectResponse call(S3Client s3) {
        return s3.headObject(b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
    }
}
