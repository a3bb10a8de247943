package dev.kindling.agent.s3;

import dev.kindling.agent.artifact.ArtifactException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Verifies one object while its bytes stream past, in order: the MD5 of a single-part ETag, the multipart ETag for
 * each candidate part size, and the full-object checksum, all in one pass. {@link #finish()} says whether the bytes
 * are the object's and, if not, both values of the check that failed.
 */
public final class ObjectVerifier {

    private final ObjectIntegrity integrity;
    private final MessageDigest md5;
    private final List<PartHashes> multipart = new ArrayList<>();
    private final FullObjectChecksum.Sum checksum;
    private long bytes;

    /** The result: verified (and by what), or the failure's code and what did not match. */
    public record Verdict(boolean verified, ArtifactException.Code failure, String detail) {}

    ObjectVerifier(ObjectIntegrity integrity) {
        this.integrity = integrity;
        this.md5 = integrity.eTag() instanceof ObjectIntegrity.ETagCheck.Md5 ? newMd5() : null;
        if (integrity.eTag() instanceof ObjectIntegrity.ETagCheck.Multipart m) {
            m.partSizes().forEach(size -> multipart.add(new PartHashes(size)));
        }
        this.checksum = integrity.checksum().map(c -> c.algorithm().newSum()).orElse(null);
    }

    public void update(ByteBuffer buffer) {
        int n = buffer.remaining();
        if (md5 != null) md5.update(buffer.duplicate());
        for (PartHashes p : multipart) p.update(buffer.duplicate());
        if (checksum != null) checksum.update(buffer.duplicate());
        buffer.position(buffer.limit());
        bytes += n;
    }

    public Verdict finish() {
        List<String> passed = new ArrayList<>();
        String etagProblem = null;
        boolean etagFailureIsCertain = true;
        switch (integrity.eTag()) {
            case ObjectIntegrity.ETagCheck.Md5 m -> {
                String actual = HexFormat.of().formatHex(md5.digest());
                if (actual.equals(m.hex())) passed.add("its MD5 ETag");
                else etagProblem = "does not match its ETag: expected MD5 " + m.hex() + ", the " + bytes
                        + " bytes received hash to " + actual;
            }
            case ObjectIntegrity.ETagCheck.Multipart m -> {
                List<String> tried = new ArrayList<>();
                for (PartHashes p : multipart) {
                    String actual = p.eTag();
                    if (actual.equals(m.eTag())) {
                        passed.add("its multipart ETag (" + p.partSize + "-byte parts)");
                        tried.clear();
                        break;
                    }
                    tried.add("with " + p.partSize + "-byte parts the bytes received give " + actual);
                }
                if (!tried.isEmpty()) {
                    etagProblem = "does not match its multipart ETag: expected " + m.eTag() + ", "
                            + String.join("; ", tried) + (m.partSizeKnown() ? "" : " (part size guessed: S3 did not tell it)");
                    etagFailureIsCertain = m.partSizeKnown();
                }
            }
            case ObjectIntegrity.ETagCheck.Opaque o -> { }
        }
        String checksumProblem = null;
        if (checksum != null) {
            FullObjectChecksum expected = integrity.checksum().orElseThrow();
            String actual = checksum.base64();
            if (actual.equals(expected.base64())) passed.add("its " + expected.algorithm().header());
            else checksumProblem = "does not match its " + expected.algorithm().header() + ": expected "
                    + expected.base64() + ", the " + bytes + " bytes received give " + actual;
        }
        if (checksumProblem != null) return new Verdict(false, ArtifactException.Code.CORRUPT, checksumProblem);
        // A guessed part size that fits nothing proves nothing when a full-object checksum vouches for the bytes.
        if (etagProblem != null && (etagFailureIsCertain || passed.isEmpty())) {
            return new Verdict(false, ArtifactException.Code.CORRUPT, etagProblem);
        }
        if (passed.isEmpty()) {
            String why = integrity.eTag() instanceof ObjectIntegrity.ETagCheck.Opaque o ? o.why() : "it has no ETag to check";
            return new Verdict(false, ArtifactException.Code.UNVERIFIABLE, "cannot be verified: " + why
                    + ", and S3 reports no full-object checksum for it");
        }
        return new Verdict(true, null, "verified by " + String.join(" and ", passed));
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The MD5s of consecutive parts of one size, for a multipart ETag. */
    private static final class PartHashes {
        final long partSize;
        final MessageDigest current = newMd5();
        final ByteArrayOutputStream digests = new ByteArrayOutputStream();
        long inPart;
        int parts;

        PartHashes(long partSize) {
            this.partSize = partSize;
        }

        void update(ByteBuffer b) {
            while (b.hasRemaining()) {
                int take = (int) Math.min(b.remaining(), partSize - inPart);
                ByteBuffer slice = b.slice(b.position(), take);
                current.update(slice);
                b.position(b.position() + take);
                inPart += take;
                if (inPart == partSize) {
                    digests.writeBytes(current.digest());
                    parts++;
                    inPart = 0;
                }
            }
        }

        String eTag() {
            if (inPart > 0 || parts == 0) {
                digests.writeBytes(current.digest());
                parts++;
                inPart = 0;
            }
            return HexFormat.of().formatHex(newMd5().digest(digests.toByteArray())) + "-" + parts;
        }
    }
}
