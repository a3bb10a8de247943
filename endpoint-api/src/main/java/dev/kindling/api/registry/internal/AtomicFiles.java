package dev.kindling.api.registry.internal;

import dev.kindling.agent.io.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Small files that are either wholly there or not at all, and that survive a crash once written: a temp file
 * beside the target, forced to disk, renamed over the target, and the directory entry forced too.
 */
public final class AtomicFiles {

    /** Names of temp files start with this, so a reader skips them and start-up removes what a crash left. */
    public static final String TEMP_PREFIX = ".tmp-";

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.getParent();
        Path temp = dir.resolve(TEMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        try {
            FileTrees.move(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(dir);
    }

    /** Creates a directory and its missing parents, forcing each new entry into its parent directory. */
    public static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) createDirectories(parent);
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) throw raced;
            return;
        }
        if (parent != null) syncDirectory(parent);
    }

    /**
     * Forces a directory's entries (renames, new files) to disk. Some platforms cannot open a directory for that
     * (Windows); there the rename's own durability is all there is.
     */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // best effort: see above
        }
    }
}
