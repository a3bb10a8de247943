package dev.kindling.agent.s3;

import dev.kindling.agent.artifact.ObjectVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What can verify an object's bytes: its ETag (the MD5 of a single-part upload, or the MD5 of the parts' MD5s of a
 * multipart upload) unless server-side encryption with KMS or customer keys makes it opaque, and the full-object
 * checksum S3 reports, if any. Every check that applies must pass, and at least one must apply.
 */
public record ObjectIntegrity(ObjectVersion object, ETagCheck eTag, Optional<FullObjectChecksum> checksum) {

    private static final Pattern MD5 = Pattern.compile("^[0-9a-f]{32}$");
    private static final Pattern MULTIPART = Pattern.compile("^([0-9a-f]{32})-(\\d{1,5})$");
    private static final long MIB = 1 << 20;
    /**
     * Part sizes uploaders use, most likely first: 8 MiB (AWS CLI, boto3 and the Java transfer manager), 16 MiB,
     * 5 MiB (the S3 minimum), then larger sizes that big-file tools pick.
     */
    private static final long[] COMMON_PART_MIB = {8, 16, 5, 32, 64, 15, 10, 50, 100, 128, 256, 512, 1024};
    /** Each candidate part size costs one more MD5 pass over the bytes, so only the likeliest few are tried. */
    static final int MAX_CANDIDATES = 3;

    /** How the ETag relates to the bytes. */
    public sealed interface ETagCheck {

        /** A single-part upload: the ETag is the MD5 of the bytes. */
        record Md5(String hex) implements ETagCheck {}

        /**
         * A multipart upload of {@code parts} parts: the ETag is the MD5 of the parts' MD5s. The part size is known
         * when S3 said it (HeadObject with partNumber=1); otherwise {@code partSizes} are guesses to try.
         */
        record Multipart(String hex, int parts, List<Long> partSizes, boolean partSizeKnown) implements ETagCheck {
            public Multipart {
                partSizes = List.copyOf(partSizes);
            }

            public String eTag() {
                return hex + "-" + parts;
            }
        }

        /** An ETag that is not derived from the bytes alone; {@code why} says so. */
        record Opaque(String why) implements ETagCheck {}
    }

    /** What the ETag alone can verify: for a copy held outside S3, such as a cache volume. */
    public static ObjectIntegrity fromETag(ObjectVersion object) {
        return new ObjectIntegrity(object, eTagCheck(object, OptionalLong.empty(), null), Optional.empty());
    }

    /**
     * The ETag's check. {@code firstPartSize} is the size of part 1 when S3 reported it; {@code encryption} names
     * SSE-KMS or SSE-C when the object uses it (their ETags are not MD5s), else null.
     */
    public static ETagCheck eTagCheck(ObjectVersion object, OptionalLong firstPartSize, String encryption) {
        if (encryption != null) {
            return new ETagCheck.Opaque("the object is encrypted with " + encryption + ", so its ETag is not an MD5 of its bytes");
        }
        String e = object.eTag().toLowerCase(java.util.Locale.ROOT);
        if (MD5.matcher(e).matches()) return new ETagCheck.Md5(e);
        Matcher m = MULTIPART.matcher(e);
        if (m.matches()) {
            int parts = Integer.parseInt(m.group(2));
            if (parts < 1) return new ETagCheck.Opaque("its ETag " + object.eTag() + " counts no parts");
            if (firstPartSize.isPresent() && firstPartSize.getAsLong() > 0) {
                return new ETagCheck.Multipart(m.group(1), parts, List.of(firstPartSize.getAsLong()), true);
            }
            List<Long> guesses = candidatePartSizes(object.size(), parts);
            if (guesses.isEmpty()) {
                return new ETagCheck.Opaque("no part size fits " + object.size() + " bytes in " + parts + " parts");
            }
            return new ETagCheck.Multipart(m.group(1), parts, guesses, false);
        }
        return new ETagCheck.Opaque("its ETag " + object.eTag() + " is neither an MD5 nor a multipart ETag");
    }

    /**
     * Part sizes that cut {@code size} bytes into exactly {@code parts} parts (all but the last the same size),
     * likeliest first: common uploader sizes, then the even split rounded up to a MiB, then the exact even split.
     */
    public static List<Long> candidatePartSizes(long size, int parts) {
        if (parts == 1) return List.of(Math.max(size, 1));
        long min = (size + parts - 1) / parts;        // ceil(size / parts): no smaller size fits in that many parts
        long max = (size - 1) / (parts - 1);          // a bigger one would leave the last part empty
        Set<Long> out = new LinkedHashSet<>();
        for (long mib : COMMON_PART_MIB) {
            long p = mib * MIB;
            if (p >= min && p <= max) out.add(p);
        }
        long roundedUp = (min + MIB - 1) / MIB * MIB;
        if (roundedUp <= max) out.add(roundedUp);
        if (min <= max) out.add(min);
        return new ArrayList<>(out).subList(0, Math.min(out.size(), MAX_CANDIDATES));
    }

    /** A fresh verifier for one pass over the object's bytes, in order. */
    public ObjectVerifier verifier() {
        return new ObjectVerifier(this);
    }
}
