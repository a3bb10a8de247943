package dev.kindling.api.registry.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.SplittableRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An image layer of a chosen size for demos and benchmarks: an uncompressed tar holding one file of
 * pseudo-random bytes. Random bytes do not compress, so a pull moves as many bytes as the size says, and the
 * same seed and index give the same bytes (so the same digest) on every machine.
 */
public final class RandomLayer {

    public static final String DIRECTORY = "kindling-generated/";
    private static final int BUFFER = 1 << 20;

    private RandomLayer() {}

    /** The path of the layer's one file inside the tar. */
    public static String fileName(int index) {
        return DIRECTORY + "layer-" + index + ".bin";
    }

    /** Writes the tar of layer {@code index}, whose file holds {@code sizeBytes} bytes; leaves {@code out} open. */
    public static void write(OutputStream out, int index, long sizeBytes, long seed) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.putArchiveEntry(entry(DIRECTORY, TarArchiveEntry.LF_DIR, 040755, 0));
        tar.closeArchiveEntry();
        tar.putArchiveEntry(entry(fileName(index), TarArchiveEntry.LF_NORMAL, 0100644, sizeBytes));
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
        byte[] buffer = new byte[BUFFER];
        LongBuffer longs = ByteBuffer.wrap(buffer).asLongBuffer();
        long remaining = sizeBytes;
        while (remaining > 0) {
            longs.clear();
            while (longs.hasRemaining()) longs.put(random.nextLong());
            int n = (int) Math.min(buffer.length, remaining);
            tar.write(buffer, 0, n);
            remaining -= n;
        }
        tar.closeArchiveEntry();
        tar.finish();
        tar.flush();
    }

    /** Fixed owner and time, so the tar's bytes depend only on size, seed and index. */
    private static TarArchiveEntry entry(String name, byte type, int mode, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode(mode);
        e.setSize(size);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        e.setModTime(0);
        return e;
    }
}
