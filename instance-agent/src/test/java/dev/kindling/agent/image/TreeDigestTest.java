package dev.kindling.agent.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The digest of a tree: the same tree written in any order has one digest; any change to what a copy sees changes it. */
class TreeDigestTest {

    @TempDir
    Path dir;

    private interface Change {
        void apply(Path root) throws IOException;
    }

    private static void write(Path root, String name, String content) throws IOException {
        Path f = root.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    /** A small tree: nested files, an executable, an empty directory, a symbolic link. */
    private static Path tree(Path root, boolean reversed) throws IOException {
        Files.createDirectories(root);
        List<Change> steps = List.of(
                r -> write(r, "bin/server", "#!/bin/sh\necho serve\n"),
                r -> Files.setPosixFilePermissions(r.resolve("bin/server"), PosixFilePermissions.fromString("rwxr-xr-x")),
                r -> write(r, "etc/config", "port=8080\n"),
                r -> write(r, "etc/nested/deep.txt", "deep"),
                r -> Files.createDirectories(r.resolve("var/empty")),
                r -> Files.createSymbolicLink(r.resolve("current"), Path.of("bin/server")));
        List<Change> order = reversed
                ? List.of(steps.get(4), steps.get(3), steps.get(2), steps.get(0), steps.get(5), steps.get(1))
                : steps;
        for (Change c : order) c.apply(root);
        return root;
    }

    @Test
    void theSameTreeHasTheSameDigestWhereverAndInWhateverOrderItWasWritten() throws IOException {
        Digest first = TreeDigest.of(tree(dir.resolve("a"), false));
        Digest second = TreeDigest.of(tree(dir.resolve("elsewhere/b"), true));

        assertThat(second).isEqualTo(first);
        assertThat(TreeDigest.of(dir.resolve("a"))).as("read twice").isEqualTo(first);
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("one byte of a file", (Change) r -> Files.writeString(r.resolve("etc/config"), "port=8081\n")),
                Arguments.of("a file grown", (Change) r -> Files.writeString(r.resolve("etc/config"), "port=8080\n\n")),
                Arguments.of("the executable bit dropped", (Change) r -> Files.setPosixFilePermissions(r.resolve("bin/server"),
                        PosixFilePermissions.fromString("rw-r--r--"))),
                Arguments.of("the executable bit added", (Change) r -> Files.setPosixFilePermissions(r.resolve("etc/config"),
                        PosixFilePermissions.fromString("rwxr--r--"))),
                Arguments.of("a symbolic link retargeted", (Change) r -> {
                    Files.delete(r.resolve("current"));
                    Files.createSymbolicLink(r.resolve("current"), Path.of("etc/config"));
                }),
                Arguments.of("a link replaced by the file it named", (Change) r -> {
                    Files.delete(r.resolve("current"));
                    Files.copy(r.resolve("bin/server"), r.resolve("current"));
                }),
                Arguments.of("a file renamed", (Change) r -> Files.move(r.resolve("etc/nested/deep.txt"), r.resolve("etc/nested/deep.tx"))),
                Arguments.of("a file added", (Change) r -> write(r, "etc/extra", "")),
                Arguments.of("an empty directory removed", (Change) r -> Files.delete(r.resolve("var/empty"))),
                Arguments.of("an empty file put in an empty directory", (Change) r -> write(r, "var/empty/x", "")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void anyChangeToWhatACopySeesChangesTheDigest(String label, Change change) throws IOException {
        Path root = tree(dir.resolve("t"), false);
        Digest before = TreeDigest.of(root);

        change.apply(root);

        assertThat(TreeDigest.of(root)).isNotEqualTo(before);
    }

    @Test
    void aFileAndADirectoryOfTheSameNameDiffer() throws IOException {
        Files.createDirectories(dir.resolve("f"));
        Files.writeString(dir.resolve("f/x"), "");
        Files.createDirectories(dir.resolve("d/x"));

        assertThat(TreeDigest.of(dir.resolve("f"))).isNotEqualTo(TreeDigest.of(dir.resolve("d")));
    }
}
