package dev.kindling.agent.s3.internal;

import java.time.Duration;
import java.util.OptionalLong;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * HeadObject with {@code partNumber=1}: S3 answers with the size of a multipart object's first part, which is the
 * part size its ETag was computed with. Stores that do not implement it (s3proxy answers 501) give no size; that is
 * an answer, not a failure, so it neither retries nor counts against the circuit breaker.
 */
public record FirstPartSizeCall(String bucket, String key, String eTag, Duration timeout) implements S3Operation<OptionalLong> {

    @Override
    public String doing() {
        return "reading the part size of s3://" + bucket + "/" + key;
    }

    @Override
    public OptionalLong call(S3Client s3) {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(key).partNumber(1).ifMatch("\"" + eTag + "\"")
                    .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
            boolean answered = r.partsCount() != null && r.partsCount() > 0 && r.contentLength() != null;
            return answered ? OptionalLong.of(r.contentLength()) : OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 400 || e.statusCode() == 405 || e.statusCode() == 416 || e.statusCode() == 501) {
                return OptionalLong.empty();
            }
            throw e;
        }
    }
}
