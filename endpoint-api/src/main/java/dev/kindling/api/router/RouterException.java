package dev.kindling.api.router;

import java.time.Duration;
import java.util.List;

/**
 * An invocation the router could not carry out, with a code the web layer maps to an HTTP status, a problem type
 * and SageMaker's error code. Thrown before anything was written to the client.
 */
public final class RouterException extends RuntimeException {

    /** Why an invocation failed. */
    public enum Code {
        /** The request names no component where it must, or the endpoint has none. */
        VALIDATION(400),
        /** No such endpoint, or no such component on it. */
        NOT_FOUND(404),
        PAYLOAD_TOO_LARGE(413),
        /** The model answered 4xx or 5xx (SageMaker runtime path only; the Kindling path passes it through). */
        MODEL_ERROR(424),
        /** The component's queue of held requests is full. */
        TOO_MANY_REQUESTS(429),
        /** The copy failed after the request was sent, or no copy would take the connection. */
        UPSTREAM_FAILED(502),
        /** No copy became available in time, or the component failed and has none. */
        NO_CAPACITY(503),
        /** The model did not answer within the invocation timeout. */
        TIMEOUT(504);

        public final int status;

        Code(int status) {
            this.status = status;
        }
    }

    /** Reasons of {@link Code#NO_CAPACITY} and {@link Code#TOO_MANY_REQUESTS}, as the no-capacity metric tags them. */
    public static final String QUEUE_FULL = "queue_full", HELD_TIMEOUT = "timeout", COMPONENT_FAILED = "component_failed",
            CONNECTION_POOL = "connection_pool";

    private final Code code;
    private final String noCapacityReason;
    private final int retryAfterSeconds;
    private final int modelStatus;
    private final String modelMessage;

    private RouterException(Code code, String message, String noCapacityReason, int retryAfterSeconds, int modelStatus,
                            String modelMessage, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
        this.noCapacityReason = noCapacityReason;
        this.retryAfterSeconds = retryAfterSeconds;
        this.modelStatus = modelStatus;
        this.modelMessage = modelMessage;
    }

    private static RouterException of(Code code, String message) {
        return new RouterException(code, message, null, 0, 0, null, null);
    }

    public static RouterException endpointNotFound(String endpoint) {
        return of(Code.NOT_FOUND, "endpoint " + endpoint + " does not exist");
    }

    public static RouterException componentNotFound(String endpoint, String component) {
        return of(Code.NOT_FOUND, "endpoint " + endpoint + " has no inference component " + component);
    }

    public static RouterException componentDeleting(String endpoint, String component) {
        return of(Code.NOT_FOUND, "inference component " + component + " of endpoint " + endpoint + " is being deleted");
    }

    public static RouterException componentRemoved(String endpoint, String component) {
        return of(Code.NOT_FOUND, "inference component " + component + " of endpoint " + endpoint
                + " was deleted while the request waited for a copy");
    }

    /** The request names no component and the endpoint does not have exactly one. */
    public static RouterException componentRequired(String endpoint, String header, List<String> components) {
        return of(Code.VALIDATION, components.isEmpty()
                ? "endpoint " + endpoint + " has no inference components"
                : "endpoint " + endpoint + " hosts " + components.size() + " inference components " + components
                        + "; name one in the " + header + " header");
    }

    public static RouterException payloadTooLarge(long limit) {
        return of(Code.PAYLOAD_TOO_LARGE, "the request body is larger than the limit of " + limit + " bytes");
    }

    public static RouterException queueFull(String endpoint, String component, int queueSize) {
        return new RouterException(Code.TOO_MANY_REQUESTS, "inference component " + component + " of endpoint " + endpoint
                + " has no copy yet and already holds " + queueSize + " requests (the queue's size); retry later",
                QUEUE_FULL, 1, 0, null, null);
    }

    public static RouterException heldTooLong(String endpoint, String component, Duration waited) {
        return new RouterException(Code.NO_CAPACITY, "no copy of inference component " + component + " of endpoint "
                + endpoint + " came into service while the request waited " + waited.toMillis() + " ms",
                HELD_TIMEOUT, 10, 0, null, null);
    }

    public static RouterException componentFailed(String endpoint, String component, String reason) {
        return new RouterException(Code.NO_CAPACITY, "inference component " + component + " of endpoint " + endpoint
                + " failed and has no copy in service" + (reason == null ? "" : ": " + reason),
                COMPONENT_FAILED, 0, 0, null, null);
    }

    public static RouterException connectionsExhausted(String copyId, Throwable cause) {
        return new RouterException(Code.NO_CAPACITY, "too many requests wait for a connection to copy " + copyId,
                CONNECTION_POOL, 1, 0, null, cause);
    }

    public static RouterException notLoaded(Duration waited) {
        return new RouterException(Code.NO_CAPACITY, "the routing table could not be read from the database within "
                + waited.toMillis() + " ms", null, 5, 0, null, null);
    }

    public static RouterException shuttingDown() {
        return new RouterException(Code.NO_CAPACITY, "this control-plane replica is shutting down; retry on another",
                null, 1, 0, null, null);
    }

    public static RouterException upstreamFailed(String message, Throwable cause) {
        return new RouterException(Code.UPSTREAM_FAILED, message, null, 0, 0, null, cause);
    }

    public static RouterException timeout(String component, String copyId, Duration timeout) {
        return of(Code.TIMEOUT, "copy " + copyId + " of inference component " + component + " did not answer within "
                + timeout.toMillis() + " ms");
    }

    /** The model answered {@code status}; {@code body} is what it said. */
    public static RouterException modelError(String component, String copyId, int status, String body) {
        return new RouterException(Code.MODEL_ERROR, "the model of inference component " + component + " (copy " + copyId
                + ") answered " + status, null, 0, status, body, null);
    }

    public Code code() {
        return code;
    }

    /** The no-capacity metric's reason, or null when this is no capacity refusal. */
    public String noCapacityReason() {
        return noCapacityReason;
    }

    /** Seconds a client should wait before retrying (Retry-After), or 0 when it says nothing. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The model's status for {@link Code#MODEL_ERROR}, else 0. */
    public int modelStatus() {
        return modelStatus;
    }

    /** The model's answer for {@link Code#MODEL_ERROR}, else null. */
    public String modelMessage() {
        return modelMessage;
    }
}
