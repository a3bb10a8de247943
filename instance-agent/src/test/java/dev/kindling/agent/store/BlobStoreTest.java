package dev.kindling.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's disk budget: least recently used blobs go first, leased ones never, and usage survives a reopen. */
class BlobStoreTest {

    @TempDir
    Path dir;

    private static Digest put(BlobStore store, Path dir, String content) throws Exception {
        byte[] bytes = content.getBytes();
        Digest d = Digest.of(MessageDigest.getInstance("SHA-256").digest(bytes));
        Path tmp = Files.write(dir.resolve("tmp-" + d.hex()), bytes);
        store.publish(d, tmp);
        return d;
    }

    @Test
    void evictsLeastRecentlyUsedFirstAndNeverALeasedBlob() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"), 30);
        Digest a = put(store, dir, "aaaaaaaaaa");   // 10 bytes each
        Digest b = put(store, dir, "bbbbbbbbbb");
        Digest c = put(store, dir, "cccccccccc");
        assertThat(store.usedBytes()).isEqualTo(30);

        try (BlobStore.Lease running = store.lease(Set.of(a))) { // a is in use, and now the most recent
            store.makeRoom(10);
            assertThat(store.contains(b)).as("least recently used unleased blob goes first").isFalse();
            assertThat(store.contains(a)).isTrue();
            assertThat(store.contains(c)).isTrue();

            store.makeRoom(20);
            assertThat(store.contains(c)).isFalse();
            assertThat(store.contains(a)).as("a leased blob is never evicted").isTrue();

            assertThatThrownBy(() -> store.makeRoom(25))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("10 bytes are held by running copies");
        }
        store.makeRoom(30);
        assertThat(store.contains(a)).as("once the copy is gone, its blob can go").isFalse();
        assertThat(store.usedBytes()).isZero();
    }

    @Test
    void aReopenedStoreKnowsWhatItHolds() throws Exception {
        BlobStore first = new BlobStore(dir.resolve("store"), 100);
        Digest a = put(first, dir, "hello");
        BlobStore again = new BlobStore(dir.resolve("store"), 100);
        assertThat(again.contains(a)).isTrue();
        assertThat(again.usedBytes()).isEqualTo(5);
    }
}
