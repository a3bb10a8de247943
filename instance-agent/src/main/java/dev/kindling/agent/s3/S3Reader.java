package dev.kindling.agent.s3;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ArtifactException.Code;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.s3.internal.FirstPartSizeCall;
import dev.kindling.agent.s3.internal.HeadObjectCall;
import dev.kindling.agent.s3.internal.ListPrefixPageCall;
import dev.kindling.agent.s3.internal.RangeGetCall;
import dev.kindling.agent.s3.internal.S3Operation;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Reads model artifacts' objects from one S3 endpoint: resolves a URI to object versions, finds how each can be
 * verified, and opens byte ranges. Every call is one {@link S3Operation} run here, with a timeout, a retry budget
 * with backoff (metadata calls; chunk reads are retried by the download) and one circuit breaker for the endpoint,
 * and every failure becomes an {@link ArtifactException} that says what was being done and why.
 */
public final class S3Reader {

    private final S3Client s3;
    private final S3FetchSettings settings;
    private final CircuitBreaker breaker;
    private final Retry retry;
    /** HEAD answers from resolving a single object, so verifying it needs no second HEAD. */
    private final Map<ObjectVersion, HeadObjectResponse> heads = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectVersion, HeadObjectResponse> eldest) {
            return size() > 64;
        }
    };
    /** Set once the endpoint answered that it cannot report part sizes (s3proxy): no point asking for each object. */
    private final AtomicBoolean partSizeUnsupported = new AtomicBoolean();
    private final AtomicInteger retries = new AtomicInteger();

    public S3Reader(S3Client s3, S3FetchSettings settings) {
        this.s3 = s3;
        this.settings = settings;
        this.breaker = CircuitBreaker.of("s3", CircuitBreakerConfig.custom()
                .slidingWindowSize(20).minimumNumberOfCalls(10).failureRateThreshold(80)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .recordException(S3Reader::worthRetrying)
                .build());
        this.retry = retryOf("s3-call", settings.attempts());
    }

    /** A retry budget for S3 calls: exponential backoff with jitter, only for failures that another try can fix. */
    static Retry retryOf(String name, int attempts) {
        return Retry.of(name, RetryConfig.custom()
                .maxAttempts(attempts)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(100), 2.0, 0.5))
                .retryOnException(S3Reader::worthRetrying)
                .build());
    }

    static boolean worthRetrying(Throwable e) {
        return (e instanceof ArtifactException a && a.retryable()) || e instanceof UncheckedIOException;
    }

    public S3FetchSettings settings() {
        return settings;
    }

    /** The endpoint's circuit breaker, which chunk reads share with metadata calls. */
    CircuitBreaker breaker() {
        return breaker;
    }

    /** Metadata calls retried so far. */
    int retries() {
        return retries.get();
    }

    /**
     * The object versions a URI names now: a prefix lists every object under it (paginated); an object key is read
     * with HeadObject, and if there is no such object the key is listed as a prefix ({@code key/}). Throws NOT_FOUND
     * naming the URI when nothing is there.
     */
    public List<ObjectVersion> resolve(S3Uri uri) {
        if (uri.isPrefix()) {
            List<ObjectVersion> listed = list(uri);
            if (listed.isEmpty()) throw new ArtifactException(Code.NOT_FOUND, "resolving " + uri + ": no objects under it");
            return listed;
        }
        try {
            HeadObjectResponse h = run(new HeadObjectCall(uri.bucket(), uri.key(), settings.requestTimeout()));
            ObjectVersion v = new ObjectVersion(uri.bucket(), uri.key(), h.contentLength(), h.eTag());
            synchronized (heads) {
                heads.put(v, h);
            }
            return List.of(v);
        } catch (ArtifactException e) {
            if (e.code() != Code.NOT_FOUND) throw e;
            List<ObjectVersion> listed = list(uri.asPrefix());
            if (listed.isEmpty()) {
                throw new ArtifactException(Code.NOT_FOUND, "resolving " + uri + ": no such object, and no objects under "
                        + uri.asPrefix(), e);
            }
            return listed;
        }
    }

    private List<ObjectVersion> list(S3Uri prefix) {
        List<ObjectVersion> out = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Response page = run(new ListPrefixPageCall(prefix.bucket(), prefix.key(), token, settings.requestTimeout()));
            for (S3Object o : page.contents()) {
                if (o.key().endsWith("/")) continue; // a console "folder": no bytes, no file
                out.add(new ObjectVersion(prefix.bucket(), o.key(), o.size(), o.eTag()));
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    /**
     * How an object version can be verified: its ETag (with the part size S3 reports for a multipart upload, or
     * guesses where it cannot), and its full-object checksum. Throws CHANGED if the object is no longer that version.
     */
    public ObjectIntegrity integrity(ObjectVersion object) {
        HeadObjectResponse h;
        synchronized (heads) {
            h = heads.remove(object);
        }
        if (h == null) h = run(new HeadObjectCall(object.bucket(), object.key(), settings.requestTimeout()));
        if (!ObjectVersion.unquote(h.eTag()).equals(object.eTag())) {
            throw new ArtifactException(Code.CHANGED, object.uri() + " changed since it was listed: its ETag is now "
                    + h.eTag() + ", not " + object.eTag());
        }
        String encryption = h.serverSideEncryption() == ServerSideEncryption.AWS_KMS
                || h.serverSideEncryption() == ServerSideEncryption.AWS_KMS_DSSE ? h.serverSideEncryptionAsString()
                : h.sseCustomerAlgorithm() != null ? "a customer-provided key (SSE-C)" : null;
        OptionalLong partSize = OptionalLong.empty();
        if (encryption == null && object.eTag().contains("-") && !partSizeUnsupported.get()) {
            partSize = run(new FirstPartSizeCall(object.bucket(), object.key(), object.eTag(), settings.requestTimeout()));
            if (partSize.isEmpty()) partSizeUnsupported.set(true);
        }
        return new ObjectIntegrity(object, ObjectIntegrity.eTagCheck(object, partSize, encryption), fullObjectChecksum(h));
    }

    /** The strongest full-object checksum S3 reported; composite (per-part) checksums do not count. */
    static Optional<FullObjectChecksum> fullObjectChecksum(HeadObjectResponse h) {
        if (h.checksumType() == ChecksumType.COMPOSITE) return Optional.empty();
        for (FullObjectChecksum.Algorithm a : FullObjectChecksum.Algorithm.values()) {
            String value = switch (a) {
                case SHA256 -> h.checksumSHA256();
                case SHA512 -> h.checksumSHA512();
                case SHA1 -> h.checksumSHA1();
                case CRC64NVME -> h.checksumCRC64NVME();
                case CRC32C -> h.checksumCRC32C();
                case CRC32 -> h.checksumCRC32();
            };
            if (value != null && !value.isBlank() && !value.contains("-")) return Optional.of(new FullObjectChecksum(a, value));
        }
        return Optional.empty();
    }

    /**
     * Opens bytes [offset, offset + length) of an object version: one attempt, no retry (the download retries the
     * whole chunk). Refuses an answer that is not that range.
     */
    public ResponseInputStream<GetObjectResponse> openRange(ObjectVersion object, long offset, long length, Duration timeout) {
        RangeGetCall call = new RangeGetCall(object.bucket(), object.key(), object.eTag(), offset, length, timeout);
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = call.call(s3);
        } catch (SdkException e) {
            throw failure(call.doing(), e);
        }
        Long received = in.response().contentLength();
        if (received == null || received != length) {
            in.abort();
            throw new ArtifactException(Code.INVALID, call.doing() + ": S3 answered " + received + " bytes ("
                    + (in.response().contentRange() == null ? "it ignored the Range header" : in.response().contentRange()) + ")");
        }
        return in;
    }

    /** Runs one metadata call with the timeout it carries, the retry budget and the circuit breaker. */
    <T> T run(S3Operation<T> op) {
        AtomicInteger attempt = new AtomicInteger();
        try {
            return Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, () -> {
                if (attempt.getAndIncrement() > 0) retries.incrementAndGet();
                try {
                    return op.call(s3);
                } catch (SdkException e) {
                    throw failure(op.doing(), e);
                }
            })).get();
        } catch (CallNotPermittedException e) {
            throw new ArtifactException(Code.UNAVAILABLE, op.doing() + ": S3 keeps failing, circuit open", e);
        }
    }

    /** What an SDK failure means for a fetch; the message keeps S3's error code and says what was being done. */
    static ArtifactException failure(String doing, SdkException e) {
        if (e instanceof AwsServiceException s) {
            int status = s.statusCode();
            String error = s.awsErrorDetails() == null ? "" : " " + s.awsErrorDetails().errorCode()
                    + (s.awsErrorDetails().errorMessage() == null ? "" : " (" + s.awsErrorDetails().errorMessage() + ")");
            Code code = switch (status) {
                case 404 -> Code.NOT_FOUND;
                case 401, 403 -> Code.DENIED;
                case 412 -> Code.CHANGED;
                case 408, 429 -> Code.UNAVAILABLE;
                default -> status >= 500 ? Code.UNAVAILABLE : Code.INVALID;
            };
            String what = code == Code.CHANGED ? ": the object changed (its ETag no longer matches)" : "";
            return new ArtifactException(code, doing + ": HTTP " + status + error + what, e);
        }
        return new ArtifactException(Code.UNAVAILABLE, doing + ": " + e.getMessage(), e);
    }
}
