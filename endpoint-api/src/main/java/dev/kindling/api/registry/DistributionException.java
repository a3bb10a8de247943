package dev.kindling.api.registry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refusal of the OCI Distribution API, with the spec's error code; the registry answers it as
 * {@code {"errors":[{"code":..., "message":..., "detail":...}]}}.
 */
public final class DistributionException extends RuntimeException {

    /** The Distribution spec's error codes this registry uses, with their HTTP status. */
    public enum Code {
        NAME_INVALID(400), NAME_UNKNOWN(404), MANIFEST_UNKNOWN(404), BLOB_UNKNOWN(404), BLOB_UPLOAD_UNKNOWN(404),
        DIGEST_INVALID(400), PAGINATION_NUMBER_INVALID(400), RANGE_INVALID(416), UNSUPPORTED(405), UNKNOWN(500);

        public final int status;

        Code(int status) {
            this.status = status;
        }
    }

    /** Where the read-only registry sends whoever tries to push. */
    static final String PUSH_HINT = "the embedded registry is read-only: bring images in with POST /v1/registry/imports "
            + "(from an OCI layout or another registry) or POST /v1/registry/generated-images";

    private final Code code;
    private final int status;
    private final Map<String, Object> detail;

    private DistributionException(Code code, int status, String message, Map<String, Object> detail) {
        super(message);
        this.code = code;
        this.status = status;
        this.detail = detail;
    }

    private static Map<String, Object> detail(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    public static DistributionException nameInvalid(String name) {
        return new DistributionException(Code.NAME_INVALID, 400, "invalid repository name: '" + name + "' "
                + ImageName.REPOSITORY_RULE, detail("name", name));
    }

    public static DistributionException nameUnknown(String name) {
        return new DistributionException(Code.NAME_UNKNOWN, 404, "repository name not known to registry: " + name,
                detail("name", name));
    }

    public static DistributionException manifestUnknown(String name, String reference) {
        return new DistributionException(Code.MANIFEST_UNKNOWN, 404, "manifest unknown: " + name + " has no manifest "
                + reference, detail("name", name, "reference", reference));
    }

    public static DistributionException blobUnknown(String name, String digest) {
        return new DistributionException(Code.BLOB_UNKNOWN, 404, "blob unknown to registry: " + name + " has no blob "
                + digest, detail("name", name, "digest", digest));
    }

    public static DistributionException uploadUnknown(String name) {
        return new DistributionException(Code.BLOB_UPLOAD_UNKNOWN, 404, "blob upload unknown to registry: "
                + PUSH_HINT, detail("name", name));
    }

    public static DistributionException digestInvalid(String digest, String why) {
        return new DistributionException(Code.DIGEST_INVALID, 400, "invalid digest '" + digest + "': " + why,
                detail("digest", digest));
    }

    public static DistributionException paginationInvalid(String n) {
        return new DistributionException(Code.PAGINATION_NUMBER_INVALID, 400, "invalid number of results requested: n="
                + n + " must be a non-negative integer", detail("n", n));
    }

    public static DistributionException rangeInvalid(String range, long size) {
        return new DistributionException(Code.RANGE_INVALID, 416, "requested range not satisfiable: " + range
                + " against a blob of " + size + " bytes", detail("range", range, "size", size));
    }

    public static DistributionException unsupported(String method, String path) {
        return new DistributionException(Code.UNSUPPORTED, 405, method + " is unsupported: " + PUSH_HINT,
                detail("method", method, "path", path));
    }

    /** A path under /v2/ that is no API route (404 as distribution answers it, with a code that says why). */
    public static DistributionException routeUnknown(String path) {
        return new DistributionException(Code.UNSUPPORTED, 404, "no OCI Distribution API route at " + path,
                detail("path", path));
    }

    public static DistributionException unknown(String message) {
        return new DistributionException(Code.UNKNOWN, 500, message, Map.of());
    }

    public Code code() {
        return code;
    }

    public int status() {
        return status;
    }

    public Map<String, Object> detail() {
        return detail;
    }
}
