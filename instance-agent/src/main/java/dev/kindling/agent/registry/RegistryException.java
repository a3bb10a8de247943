package dev.kindling.agent.registry;

/** A registry call failed; the message says what was being done ("pulling blob sha256:... of repo") and why. */
public class RegistryException extends RuntimeException {

    private final int status;

    public RegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public RegistryException(String message, int status) {
        this(message, status, null);
    }

    /** The HTTP status, or 0 when the call failed before a response. */
    public int status() {
        return status;
    }

    /** Worth retrying: no answer, a throttle, or a server error. */
    public boolean retryable() {
        return status == 0 || status == 408 || status == 429 || status >= 500;
    }
}
