package dev.kindling.agent.s3.internal;

import java.time.Duration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * GetObject of bytes [offset, offset + length) of one object version: {@code If-Match} its ETag, so an object
 * replaced mid-download fails (412) instead of mixing two versions' bytes. The timeout bounds the wait for the
 * response; the download's watchdog bounds the body.
 */
public record RangeGetCall(String bucket, String key, String eTag, long offset, long length, Duration timeout)
        implements S3Operation<ResponseInputStream<GetObjectResponse>> {

    @Override
    public String doing() {
        return "fetching s3://" + bucket + "/" + key + " (bytes " + offset + "+" + length + ")";
    }

    @Override
    public ResponseInputStream<GetObjectResponse> call(S3Client s3) {
        return s3.getObject(b -> b.bucket(bucket).key(key).ifMatch("\"" + eTag + "\"")
                .range("bytes=" + offset + "-" + (offset + length - 1))
                .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
    }
}
