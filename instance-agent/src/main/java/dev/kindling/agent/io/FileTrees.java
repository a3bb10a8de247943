package dev.kindling.agent.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * File-tree chores the agent's stores share: deleting a tree (read-only directories from archives included), moving
 * a tree aside to delete it in the background, moving a file into place atomically, and writing a file atomically.
 */
public final class FileTrees {

    /** What the name of a tree moved aside starts with, so the next start can find and delete what was left. */
    public static final String ASIDE = ".aside-";

    private static final Set<PosixFilePermission> OWNER_ALL = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private FileTrees() {}

    /**
     * Deletes a file, a symbolic link (never what it points to) or a directory tree, if there is one. Directories an
     * archive made read-only are opened up first, since their entries cannot be removed otherwise.
     */
    public static void delete(Path p) throws IOException {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
            return;
        }
        openUp(p);
        try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
            for (Path child : children) delete(child);
        }
        Files.deleteIfExists(p);
    }

    private static void openUp(Path dir) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (perms.containsAll(OWNER_ALL)) return;
            perms.addAll(OWNER_ALL);
            Files.setPosixFilePermissions(dir, perms);
        } catch (IOException | UnsupportedOperationException e) {
            // no POSIX permissions, or not ours to change: the delete says what it could not do
        }
    }

    /**
     * Renames {@code dir} into {@code into} (on the same file system) under a fresh name starting with {@link #ASIDE},
     * which is quick however large the tree, then deletes it on a background thread. Once this returns, {@code dir}
     * is gone; the returned future completes when its files are, and fails if they could not be deleted (left for
     * {@link #deleteAside} at the next start). Throws, leaving {@code dir} where it was, if the rename fails.
     */
    public static CompletableFuture<Void> moveAside(Path dir, Path into) throws IOException {
        Files.createDirectories(into);
        Path aside = Files.createTempDirectory(into, ASIDE);
        try {
            Files.move(dir, aside.resolve(dir.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(aside);
            throw e;
        }
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        Thread.ofVirtual().name("delete-aside").start(() -> {
            try {
                delete(aside);
                deleted.complete(null);
            } catch (IOException | RuntimeException e) {
                deleted.completeExceptionally(e);
            }
        });
        return deleted;
    }

    /** Deletes the trees moved aside into {@code into} that a stop or a failure left there. */
    public static void deleteAside(Path into) throws IOException {
        if (!Files.isDirectory(into)) return;
        try (Stream<Path> children = Files.list(into)) {
            for (Path p : children.filter(c -> c.getFileName().toString().startsWith(ASIDE)).toList()) delete(p);
        }
    }

    /** Moves {@code from} to {@code to}, replacing it: atomically where the file system can, else as a plain move. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Writes {@code content} to {@code target} through a temp file of its own beside it, so a reader never sees half
     * of it and two writers at once never share (and clobber) one scratch file.
     */
    public static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, content);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
