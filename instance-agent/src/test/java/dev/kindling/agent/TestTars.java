package dev.kindling.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Tar archives built in memory for tests (image layers, model archives), plain or gzip. */
public final class TestTars {

    private TestTars() {}

    /** One regular file. */
    public static byte[] tar(boolean gzip, String name, byte[] content) {
        return build(gzip, new String[] {name}, new byte[][] {content});
    }

    /** Regular files given as name, content, name, content...; contents are strings of bytes (ISO-8859-1). */
    public static byte[] tar(boolean gzip, String... namesAndContents) {
        String[] names = new String[namesAndContents.length / 2];
        byte[][] contents = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            names[i] = namesAndContents[2 * i];
            contents[i] = namesAndContents[2 * i + 1].getBytes(StandardCharsets.ISO_8859_1);
        }
        return build(gzip, names, contents);
    }

    private static byte[] build(boolean gzip, String[] names, byte[][] contents) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = gzip ? new GZIPOutputStream(bytes) : bytes; TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < names.length; i++) {
                TarArchiveEntry e = new TarArchiveEntry(names[i]);
                e.setSize(contents[i].length);
                e.setMode(0100644);
                tar.putArchiveEntry(e);
                tar.write(contents[i]);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
