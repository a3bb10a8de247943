package dev.kindling.agent.artifact;

import java.util.regex.Pattern;

/**
 * An S3 location, {@code s3://bucket/key}. A key that is empty or ends with {@code /} names a prefix (every object
 * under it); any other key names one object, or, if no such object exists, the objects under {@code key/}.
 */
public record S3Uri(String bucket, String key) {

    private static final Pattern BUCKET = Pattern.compile("^[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]$");

    public S3Uri {
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("not an S3 bucket name (3 to 63 lower-case letters, digits, dots, hyphens): " + bucket);
        }
        if (key == null) key = "";
        if (key.startsWith("/")) throw new IllegalArgumentException("an S3 key does not start with '/': " + key);
    }

    public static S3Uri parse(String uri) {
        if (uri == null || !uri.startsWith("s3://")) {
            throw new IllegalArgumentException("not an S3 URI (s3://bucket/key): " + uri);
        }
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? new S3Uri(rest, "") : new S3Uri(rest.substring(0, slash), rest.substring(slash + 1));
    }

    /** Whether the URI names every object under a prefix rather than one object. */
    public boolean isPrefix() {
        return key.isEmpty() || key.endsWith("/");
    }

    /** The same location as a prefix: {@code key/}. */
    public S3Uri asPrefix() {
        return isPrefix() ? this : new S3Uri(bucket, key + "/");
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
