package dev.kindling.api.service;

/** ETags are a resource's version in quotes; If-Match takes one of them, or {@code *}. */
public final class Etags {

    private Etags() {}

    public static String of(long version) {
        return "\"" + version + "\"";
    }

    /** The version an If-Match header demands, or null when there is none (or it is {@code *}). */
    public static Long parseIfMatch(String header) {
        if (header == null || header.isBlank() || header.trim().equals("*")) return null;
        String v = header.trim();
        if (v.startsWith("W/")) v = v.substring(2);
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("If-Match", "must be an ETag returned by this API, such as \"3\", or *");
        }
    }
}
