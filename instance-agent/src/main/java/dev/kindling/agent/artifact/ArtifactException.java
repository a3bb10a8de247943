package dev.kindling.agent.artifact;

/**
 * A model artifact could not be resolved, fetched, verified or stored. The message says what was being done and
 * names the URI and object; the code says what kind of failure it is, and so whether trying again can help.
 */
public class ArtifactException extends RuntimeException {

    /** Kinds of failure. */
    public enum Code {
        /** No such object or prefix, or no such bucket. */
        NOT_FOUND,
        /** S3 refused our credentials or the bucket policy denies the read. */
        DENIED,
        /** S3 did not answer in time, failed (5xx), throttled, or keeps failing (circuit open): worth retrying. */
        UNAVAILABLE,
        /** The object changed while it was being fetched (its ETag no longer matches). */
        CHANGED,
        /** The bytes do not match the object's ETag or checksum. */
        CORRUPT,
        /** Nothing the object carries can verify its bytes (an SSE-KMS ETag and no checksum). */
        UNVERIFIABLE,
        /** The disk budget cannot take the artifact while running copies hold what is there. */
        NO_ROOM,
        /** The request or an answer makes no sense (a bad URI, a key that escapes, Range ignored). */
        INVALID,
        /** A local file operation failed. */
        LOCAL_IO
    }

    private final Code code;

    public ArtifactException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ArtifactException(Code code, String message) {
        this(code, message, null);
    }

    public Code code() {
        return code;
    }

    /** Worth trying again: only an S3 that did not answer, or answered with a server error. */
    public boolean retryable() {
        return code == Code.UNAVAILABLE;
    }

    /** The same failure with more context in front: "model s3://...: " + the message. */
    public ArtifactException within(String context) {
        return new ArtifactException(code, context + ": " + getMessage(), this);
    }
}
