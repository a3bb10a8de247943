package dev.kindling.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Layers applied in order onto one root filesystem: contents, links, modes, whiteouts, and refused escapes. */
class LayerUnpackerTest {

    @TempDir
    Path dir;

    /** A tar layer under construction. */
    private static final class Layer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

        Layer() {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        Layer dir(String name, int mode) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            e.setMode(040000 | mode);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return this;
        }

        Layer file(String name, String content, int mode) throws IOException {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(b.length);
            e.setMode(0100000 | mode);
            tar.putArchiveEntry(e);
            tar.write(b);
            tar.closeArchiveEntry();
            return this;
        }

        Layer link(String name, String target, byte type) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setLinkName(target);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return this;
        }

        Path write(Path file, Function<OutputStream, OutputStream> compress) throws IOException {
            tar.finish();
            try (OutputStream out = compress.apply(Files.newOutputStream(file))) {
                out.write(bytes.toByteArray());
            }
            return file;
        }
    }

    private static OutputStream gzip(OutputStream o) {
        try {
            return new GZIPOutputStream(o);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static OutputStream zstd(OutputStream o) {
        try {
            return new ZstdOutputStream(o);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Stream<Arguments> compressions() {
        return Stream.of(Arguments.of("uncompressed", (Function<OutputStream, OutputStream>) o -> o),
                Arguments.of("gzip", (Function<OutputStream, OutputStream>) LayerUnpackerTest::gzip),
                Arguments.of("zstd", (Function<OutputStream, OutputStream>) LayerUnpackerTest::zstd));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressions")
    void layersStackWithLinksModesAndWhiteouts(String label, Function<OutputStream, OutputStream> compress) throws IOException {
        Path root = dir.resolve("rootfs");
        Path base = new Layer()
                .dir("usr", 0755).dir("usr/bin", 0555).file("usr/bin/serve", "#!/bin/sh\necho serve\n", 0755)
                .dir("etc", 0755).file("etc/config", "v1", 0644).file("etc/secret", "s", 0600)
                .dir("opt/model", 0755).file("opt/model/a", "A", 0644).file("opt/model/b", "B", 0644)
                .link("usr/bin/alias", "serve", TarArchiveEntry.LF_SYMLINK)
                .link("etc/config.hard", "etc/config", TarArchiveEntry.LF_LINK)
                .write(dir.resolve("base.tar"), compress);
        Path top = new Layer()
                .file("etc/config", "v2", 0644)            // replaces
                .file("etc/.wh.secret", "", 0644)           // deletes a lower file
                .file("opt/model/.wh..wh..opq", "", 0644)   // empties a lower directory
                .file("opt/model/c", "C", 0644)             // then adds to it
                .write(dir.resolve("top.tar"), compress);

        LayerUnpacker.Report r1 = LayerUnpacker.apply(base, root);
        LayerUnpacker.Report r2 = LayerUnpacker.apply(top, root);

        assertThat(r1.whiteouts()).isZero();
        assertThat(r2.whiteouts()).isEqualTo(2);
        assertThat(Files.readString(root.resolve("usr/bin/serve"))).contains("echo serve");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("usr/bin/serve")))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("usr/bin")))).isEqualTo("r-xr-xr-x");
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/alias"))).isEqualTo(Path.of("serve"));
        assertThat(Files.readString(root.resolve("etc/config.hard"))).isEqualTo("v1");
        assertThat(Files.readString(root.resolve("etc/config"))).isEqualTo("v2");
        assertThat(root.resolve("etc/secret")).doesNotExist();
        assertThat(root.resolve("etc/.wh.secret")).doesNotExist();
        try (Stream<Path> model = Files.list(root.resolve("opt/model"))) {
            assertThat(model.map(p -> p.getFileName().toString())).containsExactly("c");
        }
    }

    @Test
    void anEntryThatClimbsOutOfTheRootIsRefused() throws IOException {
        Path evil = new Layer().file("../../escaped", "x", 0644).write(dir.resolve("evil.tar"), o -> o);
        assertThatThrownBy(() -> LayerUnpacker.apply(evil, dir.resolve("rootfs")))
                .hasMessageContaining("points outside the root filesystem");
        assertThat(dir.getParent().resolve("escaped")).doesNotExist();
    }

    @Test
    void aWriteThroughASymbolicLinkIsRefused() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path evil = new Layer().link("etc", outside.toString(), TarArchiveEntry.LF_SYMLINK)
                .file("etc/passwd", "pwned", 0644).write(dir.resolve("evil.tar"), o -> o);
        assertThatThrownBy(() -> LayerUnpacker.apply(evil, dir.resolve("rootfs")))
                .hasMessageContaining("through the symbolic link 'etc'");
        assertThat(outside.resolve("passwd")).doesNotExist();
        assertThat(Files.isSymbolicLink(dir.resolve("rootfs/etc"))).isTrue();
        assertThat(Files.exists(dir.resolve("rootfs/etc"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
