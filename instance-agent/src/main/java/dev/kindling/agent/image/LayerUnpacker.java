package dev.kindling.agent.image;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import dev.kindling.agent.io.Throughput;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies one image layer (a tar, plain, gzip or zstd; the compression is read from the bytes, not trusted from
 * the media type) onto a root filesystem that holds the layers below it. OCI whiteouts delete what lower layers
 * put there: {@code .wh.name} removes {@code name}, {@code .wh..wh..opq} empties its directory of lower-layer
 * content. No entry may write outside the root: names that climb out, and writes through symbolic links, are
 * refused.
 */
public final class LayerUnpacker {

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private LayerUnpacker() {}

    /** What one layer did to the root filesystem. */
    public record Report(long entries, long bytesWritten, long whiteouts) {}

    public static Report apply(Path layer, Path rootfs) throws IOException {
        return apply(layer, rootfs, Throughput.UNLIMITED);
    }

    /** Applies a layer, writing its files no faster than {@code disk} allows. */
    public static Report apply(Path layer, Path rootfs, Throughput disk) throws IOException {
        Files.createDirectories(rootfs);
        Path root = rootfs.toRealPath();
        long entries = 0, bytes = 0, whiteouts = 0;
        // Directory modes go on last: a read-only directory must still take the entries below it.
        java.util.List<java.util.Map.Entry<Path, TarArchiveEntry>> directories = new java.util.ArrayList<>();
        try (BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(layer), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(decompress(raw))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entries++;
                Path target = inside(root, e.getName());
                String name = target.getFileName() == null ? "" : target.getFileName().toString();
                if (name.equals(OPAQUE)) {
                    emptyDirectory(target.getParent(), root);
                    whiteouts++;
                    continue;
                }
                if (name.startsWith(WHITEOUT)) {
                    deleteTree(target.resolveSibling(name.substring(WHITEOUT.length())), root);
                    whiteouts++;
                    continue;
                }
                requireNoSymlinkParents(target, root);
                if (e.isDirectory()) {
                    if (Files.isSymbolicLink(target) || (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS))) {
                        deleteTree(target, root);
                    }
                    Files.createDirectories(target);
                    directories.add(java.util.Map.entry(target, e));
                    continue;
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    deleteTree(target, root);
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Path source = inside(root, e.getLinkName());
                    requireNoSymlinkParents(source, root);
                    Files.createDirectories(target.getParent());
                    deleteTree(target, root);
                    Files.createLink(target, source);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    deleteTree(target, root);
                    try (OutputStream out = disk.pace(Files.newOutputStream(target))) {
                        bytes += tar.transferTo(out);
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
        for (int i = directories.size() - 1; i >= 0; i--) {
            var d = directories.get(i);
            if (Files.isDirectory(d.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                setMode(d.getKey(), d.getValue().getMode());
                Files.setLastModifiedTime(d.getKey(), FileTime.from(d.getValue().getLastModifiedDate().toInstant()));
            }
        }
        return new Report(entries, bytes, whiteouts);
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
    static Path inside(Path root, String entryName) throws IOException {
        Path p = root.resolve(entryName.replaceFirst("^/+", "")).normalize();
        if (!p.startsWith(root)) {
            throw new IOException("layer entry '" + entryName + "' points outside the root filesystem");
        }
        return p;
    }

    /** Refuses to write through a symbolic link in a parent directory: it could point anywhere. */
    private static void requireNoSymlinkParents(Path target, Path root) throws IOException {
        for (Path p = target.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new IOException("layer entry '" + root.relativize(target) + "' would be written through the "
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

    private static void deleteTree(Path p, Path root) throws IOException {
        if (!p.startsWith(root) || p.equals(root) || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        } else {
            Files.delete(p);
        }
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
