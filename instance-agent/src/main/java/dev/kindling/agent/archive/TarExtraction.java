package dev.kindling.agent.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Throughput;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts a tar (plain, gzip or zstd; the compression is read from the bytes, not trusted from a name or media
 * type) into a directory. No entry may write outside it: names that climb out, and writes through symbolic links,
 * are refused. The {@link Rules} say what else applies: OCI whiteouts for image layers, and for model archives no
 * whiteouts but no symbolic link that points out of the model directory (as written, or once resolved on disk
 * through other links) or to nothing, since a model server on the host would follow it.
 */
public final class TarExtraction {

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private TarExtraction() {}

    /** What an archive is and so which rules its entries follow. */
    public enum Rules {
        /**
         * An image layer applied onto the layers below it: {@code .wh.name} removes {@code name},
         * {@code .wh..wh..opq} empties its directory of lower-layer content; symbolic links may point anywhere,
         * since they resolve inside the container.
         */
        OCI_LAYER("layer entry", "the root filesystem"),
        /** A model archive: every entry is a plain entry, and symbolic links must stay inside the directory. */
        MODEL("archive entry", "the model directory");

        private final String entry;
        private final String root;

        Rules(String entry, String root) {
            this.entry = entry;
            this.root = root;
        }
    }

    /** An entry the rules refuse: the archive is unsafe, not the disk at fault. */
    public static final class RefusedEntry extends IOException {
        public RefusedEntry(String message) {
            super(message);
        }
    }

    /** What one archive did to the directory. */
    public record Report(long entries, long bytesWritten, long whiteouts) {}

    /** Extracts {@code archive} into {@code directory}, pacing the bytes written by {@code disk}. */
    public static Report extract(Path archive, Path directory, Rules rules, Throughput disk) throws IOException {
        try (InputStream in = Files.newInputStream(archive)) {
            return extract(in, directory, rules, disk);
        }
    }

    /** Extracts an archive read from {@code archive} (not closed here) into {@code directory}. */
    public static Report extract(InputStream archive, Path directory, Rules rules, Throughput disk) throws IOException {
        Files.createDirectories(directory);
        Path root = directory.toRealPath();
        long entries = 0, bytes = 0, whiteouts = 0;
        // Directory modes go on last: a read-only directory must still take the entries below it.
        List<Map.Entry<Path, TarArchiveEntry>> directories = new ArrayList<>();
        // Large buffers: a layer is mostly a few big files, and 16 KiB reads and writes cost a syscall each.
        byte[] buffer = new byte[1 << 20];
        try (BufferedInputStream raw = new BufferedInputStream(new NonClosing(archive), 1 << 20);
             TarArchiveInputStream tar = new TarArchiveInputStream(decompress(raw))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entries++;
                Path target = inside(root, e.getName(), rules);
                String name = target.getFileName() == null ? "" : target.getFileName().toString();
                if (rules == Rules.OCI_LAYER && name.equals(OPAQUE)) {
                    emptyDirectory(target.getParent(), root);
                    whiteouts++;
                    continue;
                }
                if (rules == Rules.OCI_LAYER && name.startsWith(WHITEOUT)) {
                    deleteTree(target.resolveSibling(name.substring(WHITEOUT.length())), root);
                    whiteouts++;
                    continue;
                }
                requireNoSymlinkParents(target, root, rules);
                if (e.isDirectory()) {
                    if (Files.isSymbolicLink(target) || (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                            && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS))) {
                        deleteTree(target, root);
                    }
                    Files.createDirectories(target);
                    directories.add(Map.entry(target, e));
                    continue;
                } else if (e.isSymbolicLink()) {
                    if (rules == Rules.MODEL) requireLinkInside(root, target, e.getLinkName(), rules);
                    Files.createDirectories(target.getParent());
                    deleteTree(target, root);
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Path source = inside(root, e.getLinkName(), rules);
                    requireNoSymlinkParents(source, root, rules);
                    Files.createDirectories(target.getParent());
                    deleteTree(target, root);
                    Files.createLink(target, source);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    deleteTree(target, root);
                    // CREATE_NEW never follows a symbolic link that appeared in the meantime
                    try (OutputStream out = disk.pace(Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE))) {
                        bytes += copy(tar, out, buffer);
                    }
                } else {
                    continue; // devices and fifos need privileges an agent should not have; the container runtime makes them
                }
                if (!e.isSymbolicLink()) {
                    setMode(target, e.getMode());
                    Files.setLastModifiedTime(target, FileTime.from(e.getLastModifiedDate().toInstant()));
                }
            }
        }
        // Before directory modes go on: a directory the archive makes unreadable must not hide a link from the walk.
        if (rules == Rules.MODEL) requireLinksResolveInside(root, rules);
        for (int i = directories.size() - 1; i >= 0; i--) {
            var d = directories.get(i);
            if (Files.isDirectory(d.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                setMode(d.getKey(), d.getValue().getMode());
                Files.setLastModifiedTime(d.getKey(), FileTime.from(d.getValue().getLastModifiedDate().toInstant()));
            }
        }
        return new Report(entries, bytes, whiteouts);
    }

    /** The caller's stream, which the extraction reads but leaves to the caller to close. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }

    private static long copy(InputStream in, OutputStream out, byte[] buffer) throws IOException {
        long n = 0;
        for (int r; (r = in.read(buffer)) >= 0; n += r) {
            out.write(buffer, 0, r);
        }
        return n;
    }

    private static InputStream decompress(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        return in;
    }

    /** The entry's path under the root; an entry that would land outside it is refused. */
    private static Path inside(Path root, String entryName, Rules rules) throws IOException {
        Path p = root.resolve(entryName.replaceFirst("^/+", "")).normalize();
        if (!p.startsWith(root)) {
            throw new RefusedEntry(rules.entry + " '" + entryName + "' points outside " + rules.root);
        }
        return p;
    }

    /** A model's symbolic link must resolve inside the model directory, wherever the directory is mounted. */
    private static void requireLinkInside(Path root, Path link, String linkName, Rules rules) throws IOException {
        Path resolved = link.getParent().resolve(linkName).normalize();
        if (Path.of(linkName).isAbsolute() || !resolved.startsWith(root)) {
            throw new RefusedEntry(rules.entry + " '" + root.relativize(link) + "' is a symbolic link to '" + linkName
                    + "', outside " + rules.root);
        }
    }

    /**
     * Every symbolic link in a model must resolve, on disk, inside the model directory. The check of each link's text
     * cannot see this: {@code a/b/d -> ..} then {@code a/b/l -> d/../../..} is inside as text, but {@code d} is
     * followed first on disk and {@code l} lands above the root. A link that resolves to nothing is refused too: it
     * could be made to point anywhere later, and a model with one is broken anyway.
     */
    private static void requireLinksResolveInside(Path root, Rules rules) throws IOException {
        List<Path> links;
        try (Stream<Path> walk = Files.walk(root)) { // does not follow links, so it never leaves the root
            links = walk.filter(Files::isSymbolicLink).toList();
        }
        for (Path link : links) {
            Path resolved;
            try {
                resolved = link.toRealPath();
            } catch (IOException e) {
                throw new RefusedEntry(rules.entry + " '" + root.relativize(link) + "' is a symbolic link to '"
                        + Files.readSymbolicLink(link) + "', which resolves to nothing in " + rules.root + " ("
                        + e.getClass().getSimpleName() + ")");
            }
            if (!resolved.startsWith(root)) {
                throw new RefusedEntry(rules.entry + " '" + root.relativize(link) + "' is a symbolic link to '"
                        + Files.readSymbolicLink(link) + "', which resolves outside " + rules.root);
            }
        }
    }

    /** Refuses to write through a symbolic link in a parent directory: it could point anywhere. */
    private static void requireNoSymlinkParents(Path target, Path root, Rules rules) throws IOException {
        for (Path p = target.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new RefusedEntry(rules.entry + " '" + root.relativize(target) + "' would be written through the "
                        + "symbolic link '" + root.relativize(p) + "'");
            }
        }
    }

    private static void emptyDirectory(Path dir, Path root) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> children = Files.list(dir)) {
            for (Path c : children.toList()) deleteTree(c, root);
        }
    }

    /** Deletes what an entry replaces or a whiteout removes; never the root or anything outside it. */
    private static void deleteTree(Path p, Path root) throws IOException {
        if (p.startsWith(root) && !p.equals(root)) FileTrees.delete(p);
    }

    private static void setMode(Path p, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) perms.add(order[i]);
        }
        try {
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException ignored) {
            // a filesystem without POSIX permissions keeps its defaults
        }
    }
}
