package dev.kindling.agent.image;

import dev.kindling.agent.archive.TarExtraction;
import dev.kindling.agent.io.Throughput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Applies one image layer (a tar, plain, gzip or zstd; the compression is read from the bytes, not trusted from
 * the media type) onto a root filesystem that holds the layers below it. OCI whiteouts delete what lower layers
 * put there: {@code .wh.name} removes {@code name}, {@code .wh..wh..opq} empties its directory of lower-layer
 * content. No entry may write outside the root: names that climb out, and writes through symbolic links, are
 * refused (see {@link TarExtraction}, which model archives share).
 */
public final class LayerUnpacker {

    private LayerUnpacker() {}

    /** What one layer did to the root filesystem. */
    public record Report(long entries, long bytesWritten, long whiteouts) {}

    public static Report apply(Path layer, Path rootfs) throws IOException {
        return apply(layer, rootfs, Throughput.UNLIMITED);
    }

    /** Applies a layer, pacing the bytes written by the instance's disk limit. */
    public static Report apply(Path layer, Path rootfs, Throughput disk) throws IOException {
        TarExtraction.Report r = TarExtraction.extract(layer, rootfs, TarExtraction.Rules.OCI_LAYER, disk);
        return new Report(r.entries(), r.bytesWritten(), r.whiteouts());
    }

    /** Applies a layer read from a stream (one still arriving, say); the caller closes it. */
    public static Report apply(InputStream layer, Path rootfs, Throughput disk) throws IOException {
        TarExtraction.Report r = TarExtraction.extract(layer, rootfs, TarExtraction.Rules.OCI_LAYER, disk);
        return new Report(r.entries(), r.bytesWritten(), r.whiteouts());
    }
}
