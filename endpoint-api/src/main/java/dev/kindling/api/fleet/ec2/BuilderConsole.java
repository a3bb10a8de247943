package dev.kindling.api.fleet.ec2;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * What a cache builder reported on its console before it stopped: the volume's {@code kindling-cache.json}, or why
 * it failed. The console is the one channel a stopped instance leaves that needs neither credentials on the
 * builder nor a way into the volume; its last 64 KB are kept, so the content travels gzipped.
 */
final class BuilderConsole {

    sealed interface Outcome {}

    /** The builder filled the volume; this is its manifest. */
    record Built(String contentJson) implements Outcome {}

    /** The builder gave up; the reason is what its script said. */
    record Failed(String reason) implements Outcome {}

    private BuilderConsole() {}

    /** The builder's last complete report on the console, or empty while there is none (yet, or garbled). */
    static Optional<Outcome> read(String console) {
        int built = console.lastIndexOf(UserDataScripts.CONTENT_MARKER + " ");
        int failed = console.lastIndexOf(UserDataScripts.FAILED_MARKER + " ");
        if (failed > built) {
            String rest = console.substring(failed + UserDataScripts.FAILED_MARKER.length() + 1);
            String word = rest.split("\\s", 2)[0];
            try {
                return Optional.of(new Failed(new String(Base64.getDecoder().decode(word), StandardCharsets.UTF_8).strip()));
            } catch (IllegalArgumentException e) {
                return Optional.of(new Failed(word));
            }
        }
        if (built < 0) return Optional.empty();
        int start = built + UserDataScripts.CONTENT_MARKER.length() + 1;
        int end = console.indexOf(UserDataScripts.END_MARKER, start);
        if (end < 0) return Optional.empty();
        // A serial console may break a long line; the base64 text itself has no white space.
        String encoded = console.substring(start, end).replaceAll("\\s", "");
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(encoded)))) {
            return Optional.of(new Built(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
