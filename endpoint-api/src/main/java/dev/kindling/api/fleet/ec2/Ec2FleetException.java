package dev.kindling.api.fleet.ec2;

/**
 * An EC2 call that failed, saying what was being done and EC2's error code. The code says whether another attempt
 * can help ({@link #retryable()}) and whether the fleet should try elsewhere ({@link Code#CAPACITY}).
 */
public final class Ec2FleetException extends RuntimeException {

    public enum Code {
        /** EC2 asked to slow down (RequestLimitExceeded, HTTP 503 or 429). */
        THROTTLED,
        /** EC2 failed (5xx), the connection failed, or the call timed out. */
        UNAVAILABLE,
        /** No capacity for the instance type in that place, or an account limit. */
        CAPACITY,
        /** The instance, volume or snapshot does not exist (any more). */
        NOT_FOUND,
        /** The control plane's credentials may not do this. */
        DENIED,
        /** EC2 refused the request as it was made: a bad template, subnet, parameter. */
        INVALID
    }

    private final Code code;
    private final String errorCode;

    public Ec2FleetException(Code code, String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.errorCode = errorCode;
    }

    public Ec2FleetException(Code code, String message, Throwable cause) {
        this(code, null, message, cause);
    }

    public Ec2FleetException(Code code, String message) {
        this(code, null, message, null);
    }

    public Code code() {
        return code;
    }

    /** EC2's own error code ({@code InvalidSnapshot.NotFound}), or null when EC2 gave none. */
    public String errorCode() {
        return errorCode;
    }

    /** Whether the same call may succeed if made again after a pause. */
    public boolean retryable() {
        return code == Code.THROTTLED || code == Code.UNAVAILABLE;
    }
}
