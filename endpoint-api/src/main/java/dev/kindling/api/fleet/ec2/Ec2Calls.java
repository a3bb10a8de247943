package dev.kindling.api.fleet.ec2;

import dev.kindling.api.fleet.ec2.Ec2FleetException.Code;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;

/**
 * Runs EC2 calls for one region: each attempt bounded by the call timeout, throttling and failures retried with
 * exponential backoff and jitter, and one circuit breaker for the endpoint, so a failing EC2 is not hammered by
 * every launch and build. Every failure becomes an {@link Ec2FleetException} saying what was being done.
 */
public final class Ec2Calls implements AutoCloseable {

    private static final Set<String> THROTTLING = Set.of("RequestLimitExceeded", "Throttling", "ThrottlingException",
            "RequestThrottled", "SnapshotCreationPerVolumeRateExceeded");
    private static final Set<String> UNAVAILABLE = Set.of("InternalError", "InternalFailure", "ServiceUnavailable",
            "Unavailable");
    private static final Set<String> CAPACITY = Set.of("InsufficientInstanceCapacity", "InsufficientCapacity",
            "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity", "InstanceLimitExceeded",
            "VcpuLimitExceeded", "InsufficientFreeAddressesInSubnet", "InsufficientCapacityOnHost",
            "MaxIOPSLimitExceeded", "VolumeLimitExceeded", "SnapshotLimitExceeded");
    private static final Set<String> DENIED = Set.of("UnauthorizedOperation", "AuthFailure", "Blocked",
            "OptInRequired", "PendingVerification");

    private final Ec2Client ec2;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final AtomicInteger retries = new AtomicInteger();

    public Ec2Calls(Ec2Client ec2, Ec2Settings settings) {
        this.ec2 = ec2;
        this.retry = Retry.of("ec2", RetryConfig.custom()
                .maxAttempts(settings.callAttempts())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(settings.retryBackoff(), 2.0, 0.5))
                .retryOnException(e -> e instanceof Ec2FleetException f && f.retryable())
                .build());
        // Only failures of EC2 itself count: a refused template or a full subnet says nothing about its health.
        this.breaker = CircuitBreaker.of("ec2", CircuitBreakerConfig.custom()
                .slidingWindowSize(20).minimumNumberOfCalls(10).failureRateThreshold(80)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .recordException(e -> e instanceof Ec2FleetException f && f.retryable())
                .build());
    }

    /**
     * An EC2 client for the settings' region (and endpoint override) with the call timeout and no SDK retries:
     * {@link Ec2Calls} retries with its own budget, and two layers would multiply attempts.
     */
    public static Ec2Client client(Ec2Settings settings, AwsCredentialsProvider credentials) {
        Ec2ClientBuilder b = Ec2Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(settings.callTimeout()))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1))
                        .apiCallAttemptTimeout(settings.callTimeout()));
        if (settings.endpointOverride() != null) b.endpointOverride(settings.endpointOverride());
        return b.build();
    }

    /** Runs the call with the retry budget and the circuit breaker. */
    <T> T run(Ec2Call<T> call) {
        AtomicInteger attempt = new AtomicInteger();
        try {
            return Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, () -> {
                if (attempt.getAndIncrement() > 0) retries.incrementAndGet();
                try {
                    return call.call().apply(ec2);
                } catch (SdkException e) {
                    throw failure(call.doing(), e);
                }
            })).get();
        } catch (CallNotPermittedException e) {
            throw new Ec2FleetException(Code.UNAVAILABLE, call.doing() + ": EC2 keeps failing, circuit open", e);
        }
    }

    /** Attempts repeated after a throttle or failure so far. */
    public int retries() {
        return retries.get();
    }

    /** What an SDK failure means; the message keeps EC2's error code and says what was being done. */
    static Ec2FleetException failure(String doing, SdkException e) {
        if (e instanceof AwsServiceException s) {
            String error = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            String text = s.awsErrorDetails() == null || s.awsErrorDetails().errorMessage() == null ? ""
                    : " (" + s.awsErrorDetails().errorMessage() + ")";
            Code code = codeOf(s.statusCode(), error);
            return new Ec2FleetException(code, error, doing + ": HTTP " + s.statusCode() + " " + error + text, e);
        }
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            return new Ec2FleetException(Code.UNAVAILABLE, doing + ": no answer in time", e);
        }
        return new Ec2FleetException(Code.UNAVAILABLE, doing + ": " + e.getMessage(), e);
    }

    static Code codeOf(int status, String error) {
        if (error != null) {
            if (THROTTLING.contains(error)) return Code.THROTTLED;
            if (CAPACITY.contains(error)) return Code.CAPACITY;
            if (error.endsWith(".NotFound")) return Code.NOT_FOUND;
            if (DENIED.contains(error)) return Code.DENIED;
            if (UNAVAILABLE.contains(error)) return Code.UNAVAILABLE;
        }
        if (status == 429 || status == 503) return Code.THROTTLED;
        if (status >= 500) return Code.UNAVAILABLE;
        if (status == 401 || status == 403) return Code.DENIED;
        return Code.INVALID;
    }

    @Override
    public void close() {
        ec2.close();
    }
}
