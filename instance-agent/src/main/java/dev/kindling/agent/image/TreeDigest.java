package dev.kindling.agent.image;

import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The digest of a directory tree (an unpacked image, a model directory), so a tree used where it lies can be checked
 * against the digest its volume lists. It is the SHA-256 of one line per entry below the root, in bytewise order of
 * the entries' relative paths ({@code /}-separated): path, type ({@code f}, {@code d}, {@code l}), executable bit,
 * size, and the SHA-256 of the file's bytes or of the link's target. The root itself contributes nothing, so the
 * same tree anywhere has the same digest; links are never followed.
 */
public final class TreeDigest {

    private TreeDigest() {}

    /** Reads every byte of the tree (reads are not paced: only writes count against the emulated disk). */
    public static Digest of(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) throw new IOException(root + " is not a directory");
        List<Entry> entries;
        try (Stream<Path> walk = Files.walk(root)) {
            entries = walk.filter(p -> !p.equals(root)).map(p -> new Entry(p, relative(root, p)))
                    .sorted((a, b) -> Arrays.compareUnsigned(a.name(), b.name())).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        MessageDigest tree = Hashes.sha256();
        for (Entry e : entries) tree.update(line(e));
        return Digest.of(tree.digest());
    }

    private record Entry(Path path, byte[] name) {}

    private static byte[] relative(Path root, Path p) {
        StringBuilder b = new StringBuilder();
        for (Path part : root.relativize(p)) {
            if (!b.isEmpty()) b.append('/');
            b.append(part);
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] line(Entry e) throws IOException {
        BasicFileAttributes a = Files.readAttributes(e.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String type;
        long size;
        byte[] content;
        if (a.isSymbolicLink()) {
            type = "l";
            byte[] target = Files.readSymbolicLink(e.path()).toString().getBytes(StandardCharsets.UTF_8);
            size = target.length;
            content = Hashes.sha256().digest(target);
        } else if (a.isDirectory()) {
            type = "d";
            size = 0;
            content = new byte[0];
        } else if (a.isRegularFile()) {
            type = "f";
            size = a.size();
            content = contentHash(e.path());
        } else {
            type = "o"; // a device or fifo a layer created: only its presence counts
            size = 0;
            content = new byte[0];
        }
        String line = new String(e.name(), StandardCharsets.UTF_8) + "\0" + type + "\0" + (executable(e.path()) ? "x" : "-")
                + "\0" + size + "\0" + HexFormat.of().formatHex(content) + "\n";
        return line.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] contentHash(Path file) throws IOException {
        MessageDigest d = Hashes.sha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buffer)) > 0; ) d.update(buffer, 0, n);
        }
        return d.digest();
    }

    /** The owner's execute bit; a symbolic link has none of its own, nor does a file system without POSIX modes. */
    private static boolean executable(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) return false;
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) return false;
        Set<PosixFilePermission> mode = view.readAttributes().permissions();
        return mode.contains(PosixFilePermission.OWNER_EXECUTE);
    }
}
