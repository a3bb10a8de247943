package dev.kindling.agent.s3.internal;

import java.time.Duration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/** One page of ListObjectsV2 under a prefix; the caller follows the continuation token, one call a page. */
public record ListPrefixPageCall(String bucket, String prefix, String continuationToken, Duration timeout)
        implements S3Operation<ListObjectsV2Response> {

    @Override
    public String doing() {
        return "listing s3://" + bucket + "/" + prefix;
    }

    @Override
    public ListObjectsV2Response call(S3Client s3) {
        return s3.listObjectsV2(b -> b.bucket(bucket).prefix(prefix).continuationToken(continuationToken)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
    }
}
