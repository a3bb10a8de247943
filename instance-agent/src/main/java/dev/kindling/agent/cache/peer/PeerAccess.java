package dev.kindling.agent.cache.peer;

import dev.kindling.agent.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * Who may fetch from this instance: only a caller presenting {@code Authorization: Bearer <token>} with the peer token
 * of this instance's current grant, that is another instance of the same endpoint. Tokens are compared in constant
 * time (as SHA-256 hashes, so their lengths do not show either).
 */
public final class PeerAccess {

    private PeerAccess() {}

    /** The answer to a request's credentials. */
    public enum Verdict {
        ALLOWED(200),
        /** No bearer token at all: 401. */
        UNAUTHENTICATED(401),
        /** A token, but not this endpoint's (or none is granted): 403. */
        FORBIDDEN(403);

        private final int status;

        Verdict(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** The verdict on an {@code Authorization} header (null if absent) against the token granted now (null if none). */
    public static Verdict check(String authorization, String grantedToken) {
        String presented = bearerToken(authorization);
        if (presented == null) return Verdict.UNAUTHENTICATED;
        if (grantedToken == null || grantedToken.isEmpty()) return Verdict.FORBIDDEN;
        return MessageDigest.isEqual(hash(presented), hash(grantedToken)) ? Verdict.ALLOWED : Verdict.FORBIDDEN;
    }

    /** The token of a {@code Bearer} credential (the scheme is case-insensitive), or null. */
    static String bearerToken(String authorization) {
        if (authorization == null) return null;
        String a = authorization.strip();
        if (a.length() <= 7 || !a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) return null;
        String token = a.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] hash(String token) {
        return Hashes.sha256().digest(token.getBytes(StandardCharsets.UTF_8));
    }
}
