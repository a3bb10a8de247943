package dev.kindling.agent.s3;

import dev.kindling.agent.s3.internal.Crc64Nvme;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * A checksum of a whole object as S3 reports it with {@code x-amz-checksum-mode: ENABLED} (base64 of the big-endian
 * value), for the algorithms the agent can compute. Composite checksums of multipart uploads (a checksum of part
 * checksums, "value-N") are not full-object checksums and are not represented here.
 */
public record FullObjectChecksum(Algorithm algorithm, String base64) {

    /** Algorithms, strongest first: when S3 reports several, the first is verified. */
    public enum Algorithm {
        SHA256("sha256", () -> digest("SHA-256")),
        SHA512("sha512", () -> digest("SHA-512")),
        SHA1("sha1", () -> digest("SHA-1")),
        CRC64NVME("crc64nvme", () -> crc(new Crc64Nvme(), 8)),
        CRC32C("crc32c", () -> crc(new CRC32C(), 4)),
        CRC32("crc32", () -> crc(new CRC32(), 4));

        private final String header;
        private final Supplier<Sum> sum;

        Algorithm(String header, Supplier<Sum> sum) {
            this.header = header;
            this.sum = sum;
        }

        /** The response header that carries it. */
        public String header() {
            return "x-amz-checksum-" + header;
        }

        public Sum newSum() {
            return sum.get();
        }
    }

    /** A running checksum. */
    public interface Sum {
        void update(ByteBuffer bytes);

        /** The value as S3 writes it: base64 of the big-endian bytes. */
        String base64();
    }

    /** Computes a checksum of {@code bytes}, as S3 would report it. */
    public static FullObjectChecksum of(Algorithm algorithm, byte[] bytes) {
        Sum s = algorithm.newSum();
        s.update(ByteBuffer.wrap(bytes));
        return new FullObjectChecksum(algorithm, s.base64());
    }

    private static Sum digest(String name) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new Sum() {
            @Override
            public void update(ByteBuffer bytes) {
                md.update(bytes);
            }

            @Override
            public String base64() {
                return Base64.getEncoder().encodeToString(md.digest());
            }
        };
    }

    private static Sum crc(Checksum crc, int bytes) {
        return new Sum() {
            @Override
            public void update(ByteBuffer b) {
                crc.update(b);
            }

            @Override
            public String base64() {
                long v = crc.getValue();
                byte[] out = new byte[bytes];
                for (int i = 0; i < bytes; i++) out[i] = (byte) (v >>> (8 * (bytes - 1 - i)));
                return Base64.getEncoder().encodeToString(out);
            }
        };
    }

    @Override
    public String toString() {
        return algorithm.header() + " " + base64;
    }
}
