package dev.kindling.agent.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trees deleted without following links, moved aside and deleted later, files written whole. */
class FileTreesTest {

    @TempDir
    Path dir;

    private static long count(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void deletesATreeWithReadOnlyDirectoriesButNotWhatItsLinksPointTo() throws IOException {
        Path outside = Files.writeString(Files.createDirectories(dir.resolve("outside")).resolve("keep"), "x");
        Path tree = dir.resolve("tree");
        Files.writeString(Files.createDirectories(tree.resolve("a/b")).resolve("f"), "y");
        Files.createSymbolicLink(tree.resolve("a/out"), outside.getParent());
        Files.setPosixFilePermissions(tree.resolve("a/b"), PosixFilePermissions.fromString("r-x------"));
        Files.setPosixFilePermissions(tree.resolve("a"), PosixFilePermissions.fromString("r-x------"));

        FileTrees.delete(tree);
        FileTrees.delete(tree); // nothing there: nothing to do

        assertThat(tree).doesNotExist();
        assertThat(outside).hasContent("x");
    }

    @Test
    void aTreeMovedAsideIsGoneAtOnceAndDeletedInTheBackground() throws Exception {
        Path tree = dir.resolve("tree");
        Files.writeString(Files.createDirectories(tree.resolve("sub")).resolve("f"), "y");
        Path into = dir.resolve("trash");

        var deleted = FileTrees.moveAside(tree, into);
        assertThat(tree).doesNotExist();
        deleted.get();
        assertThat(count(into)).isZero();
    }

    @Test
    void aFailedMoveAsideLeavesTheTreeWhereItWasAndNothingAside() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path into = Files.createDirectories(dir.resolve("trash"));
        assertThatThrownBy(() -> FileTrees.moveAside(tree.resolve("missing"), into)).isInstanceOf(IOException.class);
        assertThat(tree).isDirectory();
        assertThat(count(into)).isZero();
    }

    @Test
    void leftoversAsideAreDeletedAndNothingElse() throws IOException {
        Files.writeString(Files.createDirectories(dir.resolve(FileTrees.ASIDE + "1/model")).resolve("f"), "y");
        Files.createDirectories(dir.resolve("kept"));
        FileTrees.deleteAside(dir);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("kept");
        }
    }

    @Test
    void writesAFileWholeAndLeavesNoScratchBehind() throws IOException {
        Path target = dir.resolve("ref");
        FileTrees.writeAtomically(target, "sha256:1");
        FileTrees.writeAtomically(target, "sha256:2");
        assertThat(target).hasContent("sha256:2");
        assertThat(count(dir)).isOne();
    }
}
