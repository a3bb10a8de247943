package dev.kindling.db.store;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A listing request: optional filters, the page size and where the previous page ended. Listings are ordered by
 * name, so the token is the last name seen, opaque to clients.
 *
 * @param nameContains case-insensitive substring of the name, or null
 * @param statusEquals exact status, or null
 * @param parentEquals the owning endpoint's name (components and instances), or null
 */
public record ListQuery(String nameContains, String statusEquals, String parentEquals, String afterName, int maxResults) {

    public static String encodeToken(String lastName) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastName.getBytes(StandardCharsets.UTF_8));
    }

    /** Names and instance ids, the only things a token ever carries. */
    private static final Pattern KEY = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9-]{0,62}$");

    /** Decodes a token from a previous page; throws IllegalArgumentException if it was not one of ours. */
    public static String decodeToken(String token) {
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        String name = new String(bytes, StandardCharsets.UTF_8);
        if (!KEY.matcher(name).matches() || !encodeToken(name).equals(token)) {
            throw new IllegalArgumentException("not a token from a previous page");
        }
        return name;
    }
}
