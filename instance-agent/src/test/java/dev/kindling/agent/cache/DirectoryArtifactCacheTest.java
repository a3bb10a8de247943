package dev.kindling.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.artifact.ObjectVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cache volume laid out as S3: copies verified against the ETag, through scratch files no other copy shares. */
class DirectoryArtifactCacheTest {

    @TempDir
    Path dir;

    @Test
    void aCopyNeverWritesThroughAScratchFileAnotherCopyMayBeUsing() throws Exception {
        byte[] bytes = "weights".getBytes(StandardCharsets.UTF_8);
        Files.write(Files.createDirectories(dir.resolve("cache/models/m")).resolve("w.bin"), bytes);
        ObjectVersion o = new ObjectVersion("models", "m/w.bin", bytes.length,
                HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)));
        Path objects = Files.createDirectories(dir.resolve("objects"));
        Path target = objects.resolve("w.verified");
        // What a copy of the same object for another artifact, under way, is writing.
        Path theirs = Files.writeString(objects.resolve("w.verified.copying"), "half of another copy");

        ArtifactCache.Outcome outcome = new DirectoryArtifactCache("endpoint-model-cache", dir.resolve("cache")).provide(o, target);

        assertThat(outcome).isEqualTo(new ArtifactCache.Outcome.Hit(bytes.length));
        assertThat(target).hasBinaryContent(bytes);
        assertThat(theirs).hasContent("half of another copy");
        try (Stream<Path> files = Files.list(objects)) {
            assertThat(files).as("no scratch file of its own left").containsExactlyInAnyOrder(target, theirs);
        }
    }
}
