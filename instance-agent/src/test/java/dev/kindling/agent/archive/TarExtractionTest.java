package dev.kindling.agent.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.io.Throughput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model archives: whiteout names are plain files, links must stay inside (as written and on disk), and every byte written is paced. */
class TarExtractionTest {

    @TempDir
    Path dir;

    /** A gzip tar written from (name, content-or-link) pairs; a value starting with "->" makes a symbolic link. */
    static byte[] modelTarGz(String... namesAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < namesAndContents.length; i += 2) {
                String value = namesAndContents[i + 1];
                if (value.startsWith("->")) {
                    TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i], TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(value.substring(2));
                    tar.putArchiveEntry(e);
                } else {
                    byte[] b = value.getBytes(StandardCharsets.UTF_8);
                    TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i]);
                    e.setSize(b.length);
                    e.setMode(0100644);
                    tar.putArchiveEntry(e);
                    tar.write(b);
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void aModelArchiveKeepsWhiteoutNamesAsFilesAndLinksInside() throws IOException {
        Path archive = Files.write(dir.resolve("model.tar.gz"), modelTarGz(
                "config.json", "{}", "weights/.wh.shard", "not a whiteout", "weights/.wh..wh..opq", "nor this",
                "latest", "->weights/.wh.shard"));
        AtomicLong paced = new AtomicLong();
        Throughput disk = paced::addAndGet;
        TarExtraction.Report r = TarExtraction.extract(archive, dir.resolve("model"), TarExtraction.Rules.MODEL, disk);

        assertThat(r.whiteouts()).isZero();
        assertThat(Files.readString(dir.resolve("model/weights/.wh.shard"))).isEqualTo("not a whiteout");
        assertThat(Files.readString(dir.resolve("model/weights/.wh..wh..opq"))).isEqualTo("nor this");
        assertThat(Files.readString(dir.resolve("model/latest"))).isEqualTo("not a whiteout");
        assertThat(paced).as("every byte written went through the disk limit").hasValue(r.bytesWritten());
    }

    @Test
    void aModelLinkOutOfTheDirectoryIsRefused() throws IOException {
        Path absolute = Files.write(dir.resolve("abs.tar.gz"), modelTarGz("passwd", "->/etc/passwd"));
        assertThatThrownBy(() -> TarExtraction.extract(absolute, dir.resolve("m1"), TarExtraction.Rules.MODEL, Throughput.UNLIMITED))
                .hasMessageContaining("archive entry 'passwd' is a symbolic link to '/etc/passwd', outside the model directory");
        Path climbing = Files.write(dir.resolve("rel.tar.gz"), modelTarGz("a/up", "->../../secret"));
        assertThatThrownBy(() -> TarExtraction.extract(climbing, dir.resolve("m2"), TarExtraction.Rules.MODEL, Throughput.UNLIMITED))
                .hasMessageContaining("outside the model directory");
        assertThat(dir.resolve("m2/a/up")).doesNotExist();
    }

    @Test
    void aModelLinkThatIsInsideAsTextButClimbsOutOnDiskIsRefused() throws IOException {
        // As text a/b/l is a/b/d/../../.. = the root; on disk d is a, so l is the root's parent.
        Path chained = Files.write(dir.resolve("chained.tar.gz"), modelTarGz("a/b/d", "->..", "a/b/l", "->d/../../.."));
        assertThatThrownBy(() -> TarExtraction.extract(chained, dir.resolve("model"), TarExtraction.Rules.MODEL, Throughput.UNLIMITED))
                .isInstanceOf(TarExtraction.RefusedEntry.class)
                .hasMessageContaining("archive entry 'a/b/l' is a symbolic link to 'd/../../..', which resolves outside the model directory");
    }

    @Test
    void aDanglingModelLinkIsRefused() throws IOException {
        Path dangling = Files.write(dir.resolve("dangling.tar.gz"), modelTarGz("config.json", "{}", "latest", "->weights/gone.bin"));
        assertThatThrownBy(() -> TarExtraction.extract(dangling, dir.resolve("model"), TarExtraction.Rules.MODEL, Throughput.UNLIMITED))
                .isInstanceOf(TarExtraction.RefusedEntry.class)
                .hasMessageContaining("archive entry 'latest' is a symbolic link to 'weights/gone.bin', which resolves to nothing");
    }

    @Test
    void anImageLayerKeepsLinksThatOnlyResolveInsideTheContainer() throws IOException {
        Path layer = Files.write(dir.resolve("layer.tar.gz"), modelTarGz("a/b/d", "->..", "a/b/l", "->d/../../..",
                "etc/alternatives/java", "->/usr/lib/jvm/bin/java"));
        TarExtraction.extract(layer, dir.resolve("rootfs"), TarExtraction.Rules.OCI_LAYER, Throughput.UNLIMITED);
        assertThat(Files.readSymbolicLink(dir.resolve("rootfs/a/b/l"))).isEqualTo(Path.of("d/../../.."));
        assertThat(Files.readSymbolicLink(dir.resolve("rootfs/etc/alternatives/java"))).isEqualTo(Path.of("/usr/lib/jvm/bin/java"));
    }

    @Test
    void aModelEntryThatClimbsOutIsRefused() throws IOException {
        Path evil = Files.write(dir.resolve("evil.tar.gz"), modelTarGz("../escaped", "x"));
        assertThatThrownBy(() -> TarExtraction.extract(evil, dir.resolve("model"), TarExtraction.Rules.MODEL, Throughput.UNLIMITED))
                .hasMessageContaining("archive entry '../escaped' points outside the model directory");
        assertThat(dir.resolve("escaped")).doesNotExist();
    }
}
