package dev.kindling.api.caches;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secrets an instance's agent proves itself with (one per launch) and the tokens an endpoint's instances present
 * to each other (one per endpoint): 256 random bits, base64url. The control plane keeps only a secret's SHA-256 and
 * compares in constant time.
 */
public final class InstanceSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private InstanceSecrets() {}

    /** A new secret: 32 bytes from SecureRandom, base64url without padding. */
    public static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The SHA-256 of the secret's UTF-8 bytes, lower-case hex: what {@code instances.secret_hash} keeps. */
    public static String hash(String secret) {
        return HexFormat.of().formatHex(sha256().digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code presented} is the secret whose hash is {@code expectedHash}, in time independent of where they differ. */
    public static boolean matches(String presented, String expectedHash) {
        if (presented == null || expectedHash == null) return false;
        return MessageDigest.isEqual(hash(presented).getBytes(StandardCharsets.US_ASCII),
                expectedHash.getBytes(StandardCharsets.US_ASCII));
    }

    /** The token of an {@code Authorization: Bearer <token>} header, or null when there is none. */
    public static String bearerToken(String authorization) {
        if (authorization == null) return null;
        String a = authorization.strip();
        if (a.length() <= 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        String token = a.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
