package dev.kindling.agent.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, which every JDK provides, without the checked exception for an algorithm that cannot be missing. */
public final class Hashes {

    private Hashes() {}

    /** A fresh SHA-256 digest, for hashing as bytes stream past. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The SHA-256 of a string's UTF-8 bytes, in lower-case hex: a file name or key derived from a name. */
    public static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
