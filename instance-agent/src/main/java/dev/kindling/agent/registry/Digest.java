package dev.kindling.agent.registry;

import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 hex>}: the only algorithm registries use for images today. */
public record Digest(String hex) {

    private static final Pattern SHA256 = Pattern.compile("^sha256:([a-f0-9]{64})$");

    public Digest {
        if (hex == null || hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a sha256 hex digest: " + hex);
        }
    }

    public static Digest parse(String digest) {
        var m = SHA256.matcher(digest == null ? "" : digest);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a sha256 digest (sha256:<64 lower-case hex>): " + digest);
        }
        return new Digest(m.group(1));
    }

    public static Digest of(byte[] sha256) {
        return new Digest(HexFormat.of().formatHex(sha256));
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
