package dev.kindling.agent.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ObjectVersion;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** What verifies an object, and the verdicts: ETags single and multipart, checksums, and what cannot be checked. */
class ObjectIntegrityTest {

    private static final long MIB = 1 << 20;
    private static final byte[] BYTES = new byte[300_000];

    static {
        new Random(1).nextBytes(BYTES);
    }

    private static String md5(byte[] b, int from, int to) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        md.update(b, from, to - from);
        return HexFormat.of().formatHex(md.digest());
    }

    /** The multipart ETag S3 gives these bytes uploaded in parts of {@code part} bytes. */
    static String multipartETag(byte[] b, int part) throws Exception {
        MessageDigest all = MessageDigest.getInstance("MD5");
        int n = 0;
        for (int i = 0; i < b.length; i += part, n++) {
            all.update(HexFormat.of().parseHex(md5(b, i, Math.min(b.length, i + part))));
        }
        return HexFormat.of().formatHex(all.digest()) + "-" + n;
    }

    private static ObjectVerifier.Verdict verify(ObjectIntegrity integrity, byte[] bytes) {
        ObjectVerifier v = integrity.verifier();
        for (int i = 0; i < bytes.length; i += 7_777) v.update(ByteBuffer.wrap(bytes, i, Math.min(7_777, bytes.length - i)));
        return v.finish();
    }

    private static ObjectVersion object(String eTag) {
        return new ObjectVersion("models", "m/w.bin", BYTES.length, "\"" + eTag + "\"");
    }

    private static byte[] flipped() {
        byte[] evil = BYTES.clone();
        evil[123_456] ^= 1;
        return evil;
    }

    static Stream<Arguments> verdicts() throws Exception {
        String md5 = md5(BYTES, 0, BYTES.length);
        String mp = multipartETag(BYTES, 100_000);
        FullObjectChecksum sha = FullObjectChecksum.of(FullObjectChecksum.Algorithm.SHA256, BYTES);
        FullObjectChecksum crc = FullObjectChecksum.of(FullObjectChecksum.Algorithm.CRC32C, BYTES);
        ObjectIntegrity.ETagCheck known = new ObjectIntegrity.ETagCheck.Multipart(mp.substring(0, 32), 3, List.of(100_000L), true);
        ObjectIntegrity.ETagCheck wrongGuess = new ObjectIntegrity.ETagCheck.Multipart(mp.substring(0, 32), 3, List.of(120_000L), false);
        ObjectIntegrity.ETagCheck opaque = new ObjectIntegrity.ETagCheck.Opaque("the object is encrypted with aws:kms");
        return Stream.of(
                Arguments.of("MD5 ETag, good bytes", new ObjectIntegrity(object(md5), new ObjectIntegrity.ETagCheck.Md5(md5), Optional.empty()), BYTES, null, "its MD5 ETag"),
                Arguments.of("MD5 ETag, flipped byte", new ObjectIntegrity(object(md5), new ObjectIntegrity.ETagCheck.Md5(md5), Optional.empty()), flipped(), ArtifactException.Code.CORRUPT, "does not match its ETag: expected MD5 " + md5),
                Arguments.of("multipart, part size known", new ObjectIntegrity(object(mp), known, Optional.empty()), BYTES, null, "multipart ETag (100000-byte parts)"),
                Arguments.of("multipart, known size, flipped byte", new ObjectIntegrity(object(mp), known, Optional.empty()), flipped(), ArtifactException.Code.CORRUPT, "expected " + mp),
                Arguments.of("multipart, wrong guess, no checksum", new ObjectIntegrity(object(mp), wrongGuess, Optional.empty()), BYTES, ArtifactException.Code.CORRUPT, "part size guessed"),
                Arguments.of("multipart, wrong guess, checksum vouches", new ObjectIntegrity(object(mp), wrongGuess, Optional.of(sha)), BYTES, null, "x-amz-checksum-sha256"),
                Arguments.of("SSE-KMS with a CRC32C", new ObjectIntegrity(object("abc"), opaque, Optional.of(crc)), BYTES, null, "x-amz-checksum-crc32c"),
                Arguments.of("SSE-KMS with a CRC32C, flipped byte", new ObjectIntegrity(object("abc"), opaque, Optional.of(crc)), flipped(), ArtifactException.Code.CORRUPT, "expected " + crc.base64()),
                Arguments.of("SSE-KMS and no checksum", new ObjectIntegrity(object("abc"), opaque, Optional.empty()), BYTES, ArtifactException.Code.UNVERIFIABLE, "encrypted with aws:kms"),
                Arguments.of("good ETag, bad checksum", new ObjectIntegrity(object(md5), new ObjectIntegrity.ETagCheck.Md5(md5),
                        Optional.of(FullObjectChecksum.of(FullObjectChecksum.Algorithm.SHA256, flipped()))), BYTES, ArtifactException.Code.CORRUPT, "does not match its x-amz-checksum-sha256"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("verdicts")
    void verdict(String label, ObjectIntegrity integrity, byte[] bytes, ArtifactException.Code failure, String detail) {
        ObjectVerifier.Verdict v = verify(integrity, bytes);
        assertThat(v.verified()).isEqualTo(failure == null);
        assertThat(v.failure()).isEqualTo(failure);
        assertThat(v.detail()).contains(detail);
    }

    @Test
    void aMultipartETagWithoutAPartSizeIsVerifiedWithTheLikeliestSizes() throws Exception {
        byte[] big = new byte[(int) (17 * MIB + 5)];
        new Random(2).nextBytes(big);
        ObjectVersion o = new ObjectVersion("models", "m/big.bin", big.length, multipartETag(big, (int) (8 * MIB)));
        ObjectIntegrity integrity = ObjectIntegrity.fromETag(o);
        assertThat(integrity.eTag()).isInstanceOfSatisfying(ObjectIntegrity.ETagCheck.Multipart.class,
                m -> assertThat(m.partSizes()).first().isEqualTo(8 * MIB));
        assertThat(verify(integrity, big).verified()).isTrue();
    }

    @Test
    void theCandidatePartSizesAllCutTheObjectIntoItsPartCount() {
        List<Long> sizes = ObjectIntegrity.candidatePartSizes(100 * MIB + 1, 7);
        assertThat(sizes).isNotEmpty().hasSizeLessThanOrEqualTo(3);
        for (long p : sizes) assertThat((100 * MIB + 1 + p - 1) / p).isEqualTo(7);
        assertThat(ObjectIntegrity.candidatePartSizes(10, 1)).containsExactly(10L);
        assertThat(ObjectIntegrity.candidatePartSizes(10, 20)).as("more parts than bytes").isEmpty();
        List<Long> tried = new ArrayList<>(ObjectIntegrity.candidatePartSizes(5 * MIB + 300_000, 2));
        assertThat(tried).contains(5 * MIB);
    }

    @Test
    void kmsAndCustomerKeysMakeTheETagOpaque() {
        ObjectVersion o = object("d41d8cd98f00b204e9800998ecf8427e");
        assertThat(ObjectIntegrity.eTagCheck(o, OptionalLong.empty(), "aws:kms")).isInstanceOf(ObjectIntegrity.ETagCheck.Opaque.class);
        assertThat(ObjectIntegrity.eTagCheck(o, OptionalLong.empty(), null)).isInstanceOf(ObjectIntegrity.ETagCheck.Md5.class);
    }
}
