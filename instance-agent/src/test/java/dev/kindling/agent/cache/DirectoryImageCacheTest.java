package dev.kindling.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cache volume of blobs: copies verified while hashed, never through a file a download of the same blob uses. */
class DirectoryImageCacheTest {

    @TempDir
    Path dir;

    @Test
    void aCopyLeavesTheBlobsPartialDownloadAlone() throws Exception {
        byte[] layer = "layer bytes".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.of(Hashes.sha256().digest(layer));
        Files.write(Files.createDirectories(dir.resolve("cache/blobs/sha256")).resolve(d.hex()), layer);
        BlobStore store = new BlobStore(dir.resolve("store"));
        // Another image's pull of the same blob, under way from the registry.
        Path download = Files.writeString(store.partialData(d), "first chunk");

        ImageCache.Outcome outcome = new DirectoryImageCache("endpoint-image-cache", dir.resolve("cache"))
                .provide(new Descriptor("application/vnd.oci.image.layer.v1.tar", d, layer.length), store);

        assertThat(outcome).isEqualTo(new ImageCache.Outcome.Hit(layer.length));
        assertThat(store.path(d)).hasBinaryContent(layer);
        assertThat(download).hasContent("first chunk");
    }

    @Test
    void aCopyACrashCutShortIsDeletedWhenTheStoreOpens() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"));
        Path scratch = store.scratchFor(Digest.of(Hashes.sha256().digest(new byte[0])));
        new BlobStore(dir.resolve("store"));
        assertThat(scratch).doesNotExist();
    }
}
