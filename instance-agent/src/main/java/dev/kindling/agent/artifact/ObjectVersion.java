package dev.kindling.agent.artifact;

/**
 * One S3 object as listed: where it is, its size, and its ETag (without quotes), which changes whenever its
 * content does.
 */
public record ObjectVersion(String bucket, String key, long size, String eTag) {

    public ObjectVersion {
        if (size < 0) throw new IllegalArgumentException("an object's size is not negative: " + size);
        if (eTag == null || eTag.isEmpty()) throw new IllegalArgumentException("object s3://" + bucket + "/" + key + " has no ETag");
        eTag = unquote(eTag);
    }

    /** An ETag as S3 sends it (quoted) or as stored (bare). */
    public static String unquote(String eTag) {
        return eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"") ? eTag.substring(1, eTag.length() - 1) : eTag;
    }

    public S3Uri uri() {
        return new S3Uri(bucket, key);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key + " (ETag " + eTag + ", " + size + " bytes)";
    }
}
