package dev.kindling.api.registry.internal;

/**
 * What a {@code Range} header asks of a blob of a known size (RFC 9110 §14): the whole blob, one part, or
 * nothing it can have. A header this server does not take (another unit, several ranges, bad syntax) asks
 * for the whole blob, which the RFC allows a server to send instead.
 */
public sealed interface RangeRequest {

    /** Send all bytes, 200. */
    record Whole() implements RangeRequest {}

    /** Send bytes {@code first..last} (inclusive), 206. */
    record Part(long first, long last) implements RangeRequest {
        public long length() {
            return last - first + 1;
        }
    }

    /** 416: the range starts at or past the end. */
    record Unsatisfiable() implements RangeRequest {}

    /** What {@code header} (null when absent) asks of a blob of {@code size} bytes. */
    static RangeRequest of(String header, long size) {
        if (header == null) return new Whole();
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) return new Whole();
        String spec = h.substring(6).trim();
        if (spec.contains(",")) return new Whole();
        int dash = spec.indexOf('-');
        if (dash < 0) return new Whole();
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (a.isEmpty()) { // suffix: the last b bytes
            long n = number(b);
            if (n < 0) return new Whole();
            if (n == 0 || size == 0) return new Unsatisfiable();
            return new Part(Math.max(0, size - n), size - 1);
        }
        long first = number(a);
        long last = b.isEmpty() ? Long.MAX_VALUE : number(b);
        if (first < 0 || last < 0 || last < first) return new Whole();
        if (first >= size) return new Unsatisfiable();
        return new Part(first, Math.min(last, size - 1));
    }

    /** The value of a run of digits, Long.MAX_VALUE when it overflows, -1 when it is not one. */
    private static long number(String digits) {
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) return -1;
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException tooLarge) {
            return Long.MAX_VALUE;
        }
    }
}
