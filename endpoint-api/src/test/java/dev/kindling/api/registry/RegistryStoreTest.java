package dev.kindling.api.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.RegistryClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's files: blobs published only when their bytes match, images visible only once whole, tags that
 * survive a reopen, and nothing of an interrupted write left behind.
 */
class RegistryStoreTest {

    @TempDir
    Path dir;

    private static final byte[] CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LAYER = TestLayout.random(1, 100_000);

    /** Writes a config, a layer and an OCI manifest over them; returns [config, layer, manifest]. */
    private static List<Descriptor> image(RegistryStore store) throws IOException {
        Descriptor config = store.writeBlob(TestLayout.OCI_CONFIG, CONFIG, null);
        Descriptor layer = store.writeBlob(TestLayout.OCI_LAYER, LAYER, TestLayout.digestOf(LAYER));
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\",\"config\":"
                + TestLayout.json(config) + ",\"layers\":[" + TestLayout.json(layer) + "]}").getBytes(StandardCharsets.UTF_8);
        return List.of(config, layer, store.writeBlob(RegistryClient.OCI_MANIFEST, manifest, null));
    }

    @Test
    void aPublishedImageIsServedByTagAndByDigest() throws IOException {
        RegistryStore store = new RegistryStore(dir);
        List<Descriptor> image = image(store);
        store.publish("team/llm", "v1", image.subList(0, 2), List.of(image.get(2)));

        RegistryStore.StoredManifest byTag = store.manifest("team/llm", "v1");
        assertThat(byTag.digest()).isEqualTo(image.get(2).digest());
        assertThat(byTag.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
        assertThat(byTag.size()).isEqualTo(image.get(2).size());
        assertThat(store.manifest("team/llm", image.get(2).digest().toString())).isEqualTo(byTag);
        RegistryStore.StoredBlob layer = store.blob("team/llm", image.get(1).digest());
        assertThat(Files.readAllBytes(layer.file())).isEqualTo(LAYER);
        assertThat(store.tags("team/llm")).containsExactly("v1");
        assertThat(store.repositories()).containsExactly("team/llm");
        RegistryStore.Repository r = store.repository("team/llm");
        assertThat(r.tags()).singleElement().extracting(RegistryStore.Tag::bytes).isEqualTo((long) CONFIG.length + LAYER.length);
        assertThat(r.bytes()).isEqualTo((long) CONFIG.length + LAYER.length);
        assertThat(r.manifests()).containsExactly(image.get(2).digest().toString());
    }

    @Test
    void repositoriesNestWithoutSeeingEachOthersContent() throws IOException {
        RegistryStore store = new RegistryStore(dir);
        List<Descriptor> image = image(store);
        store.publish("team", "1", image.subList(0, 2), List.of(image.get(2)));
        store.publish("team/llm/small", "1", List.of(image.get(0)), List.of(image.get(2)));
        assertThat(store.repositories()).containsExactly("team", "team/llm/small");
        assertThat(store.exists("team/llm")).isFalse();
        assertThatThrownBy(() -> store.blob("team/llm/small", image.get(1).digest()))
                .isInstanceOfSatisfying(DistributionException.class, e -> assertThat(e.code()).isEqualTo(DistributionException.Code.BLOB_UNKNOWN));
        assertThatThrownBy(() -> store.tags("team/llm"))
                .isInstanceOfSatisfying(DistributionException.class, e -> assertThat(e.code()).isEqualTo(DistributionException.Code.NAME_UNKNOWN));
    }

    @Test
    void bytesThatDoNotMatchTheirDigestAreNeverPublished() throws IOException {
        RegistryStore store = new RegistryStore(dir);
        Digest claimed = TestLayout.digestOf(LAYER);
        byte[] corrupt = LAYER.clone();
        corrupt[500] ^= 1;
        assertThatThrownBy(() -> store.writeBlob(TestLayout.OCI_LAYER, corrupt, claimed))
                .isInstanceOfSatisfying(DistributionException.class, e -> assertThat(e.code()).isEqualTo(DistributionException.Code.DIGEST_INVALID))
                .hasMessageContaining("hash to " + TestLayout.digestOf(corrupt));
        assertThat(store.blobs().contains(claimed)).isFalse();
        assertThat(Files.exists(store.blobs().path(claimed))).isFalse();
        assertThat(dir.resolve("incoming")).isEmptyDirectory();
    }

    @Test
    void anImageIsNeverTaggedBeforeAllItsBlobsAreThere() throws IOException {
        RegistryStore store = new RegistryStore(dir);
        List<Descriptor> image = image(store);
        Descriptor absent = new Descriptor(TestLayout.OCI_LAYER, TestLayout.digestOf(new byte[] {1, 2, 3}), 3);
        assertThatThrownBy(() -> store.publish("team/llm", "v1", List.of(image.get(0), absent), List.of(image.get(2))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(absent.digest().toString());
        assertThat(store.repositories()).isEmpty();
    }

    @Test
    void tagsSurviveAReopenAndWhatACrashLeftIsCleared() throws IOException {
        RegistryStore first = new RegistryStore(dir);
        List<Descriptor> image = image(first);
        first.publish("team/llm", "v1", image.subList(0, 2), List.of(image.get(2)));
        // What a crash mid-write leaves: a half-written incoming blob and a temp tag file never renamed.
        Files.write(dir.resolve("incoming").resolve("abandoned.blob"), new byte[] {1, 2});
        Path tags = dir.resolve("repositories/team/llm/_manifests/tags");
        Files.writeString(tags.resolve(".tmp-v2-123"), "sha256:" + "1".repeat(64));

        RegistryStore second = new RegistryStore(dir);
        assertThat(second.manifest("team/llm", "v1").digest()).isEqualTo(image.get(2).digest());
        assertThat(second.tags("team/llm")).containsExactly("v1");
        assertThat(second.blobs().contains(image.get(1).digest())).isTrue();
        assertThat(dir.resolve("incoming")).isEmptyDirectory();
        try (Stream<Path> left = Files.list(tags)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("v1");
        }
    }

    @Test
    void aTagMovesWholeAndCanBeRemoved() throws IOException {
        RegistryStore store = new RegistryStore(dir);
        List<Descriptor> image = image(store);
        store.publish("team/llm", "v1", image.subList(0, 2), List.of(image.get(2)));
        Descriptor other = store.writeBlob(RegistryClient.OCI_MANIFEST, ("{\"schemaVersion\":2,\"mediaType\":\""
                + RegistryClient.OCI_MANIFEST + "\",\"config\":" + TestLayout.json(image.get(0)) + ",\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8), null);
        store.publish("team/llm", "v1", List.of(image.get(0)), List.of(other));
        assertThat(store.manifest("team/llm", "v1").digest()).isEqualTo(other.digest());
        assertThat(store.manifest("team/llm", image.get(2).digest().toString()).digest()).as("the old one, by digest")
                .isEqualTo(image.get(2).digest());

        assertThat(store.untag("team/llm", "v1")).isTrue();
        assertThat(store.untag("team/llm", "v1")).isFalse();
        assertThatThrownBy(() -> store.manifest("team/llm", "v1"))
                .isInstanceOfSatisfying(DistributionException.class, e -> assertThat(e.code()).isEqualTo(DistributionException.Code.MANIFEST_UNKNOWN));
    }

    @Test
    void anUnwritableDirectoryIsRefusedAtOpen() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        assertThatThrownBy(() -> new RegistryStore(file.resolve("registry")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot open the registry under");
    }
}
