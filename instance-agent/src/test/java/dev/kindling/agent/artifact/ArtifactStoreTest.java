package dev.kindling.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.store.DiskBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifacts assembled from verified objects, published whole, found again after a restart, evicted by the budget. */
class ArtifactStoreTest {

    @TempDir
    Path dir;

    /** Puts verified object files in the store as a fetch would, and returns the source they make. */
    private static ArtifactSource verified(ArtifactStore store, String uri, String... keysAndContents) throws IOException {
        S3Uri u = S3Uri.parse(uri);
        List<ObjectVersion> objects = new java.util.ArrayList<>();
        for (int i = 0; i < keysAndContents.length; i += 2) {
            byte[] b = keysAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
            ObjectVersion o = new ObjectVersion(u.bucket(), keysAndContents[i], b.length, "etag-" + keysAndContents[i + 1].hashCode());
            Files.write(store.verifiedObject(o), b);
            objects.add(o);
        }
        return new ArtifactSource(u, objects);
    }

    @Test
    void filesLandAtTheirPathsUnderThePrefixAndTheArtifactSurvivesARestart() throws IOException {
        ArtifactStore store = new ArtifactStore(dir);
        ArtifactSource source = verified(store, "s3://models/llm/v1/", "llm/v1/config.json", "{}", "llm/v1/weights/a.bin", "AAAA");
        Artifact a = store.publish(source, Throughput.UNLIMITED);

        assertThat(Files.readString(a.directory().resolve("config.json"))).isEqualTo("{}");
        assertThat(Files.readString(a.directory().resolve("weights/a.bin"))).isEqualTo("AAAA");
        assertThat(a.bytes()).isEqualTo(6);
        assertThat(store.verifiedObject(source.objects().get(0))).as("the artifact holds it now").doesNotExist();
        store.close();

        Files.createDirectories(dir.resolve("staging/half-assembled/model")); // a crash during assembly
        Files.createDirectories(dir.resolve("artifacts/" + "f".repeat(64) + "/model")); // not published by a rename
        Path scratch = Files.writeString(dir.resolve("objects/x.verified.123.copying"), "a cache copy a crash cut short");
        ArtifactStore again = new ArtifactStore(dir);
        assertThat(again.newest(S3Uri.parse("s3://models/llm/v1/"))).map(Artifact::key).contains(source.key());
        assertThat(again.usedBytes()).isEqualTo(6);
        assertThat(dir.resolve("staging/half-assembled")).doesNotExist();
        assertThat(dir.resolve("artifacts/" + "f".repeat(64))).doesNotExist();
        assertThat(scratch).doesNotExist();
    }

    @Test
    void theBudgetEvictsAnOldArtifactButNeverALeasedOne() throws IOException {
        DiskBudget budget = new DiskBudget(100);
        ArtifactStore store = new ArtifactStore(dir, budget);
        Artifact old = store.publish(verified(store, "s3://models/old.bin", "old.bin", "x".repeat(40)), Throughput.UNLIMITED);
        Artifact leased = store.publish(verified(store, "s3://models/leased.bin", "leased.bin", "y".repeat(40)), Throughput.UNLIMITED);
        try (DiskBudget.Lease running = store.lease(Set.of(leased.key()))) {
            store.get(old.key()); // old is now the most recently used, but nothing holds it
            budget.makeRoom(50);
            assertThat(store.get(old.key())).isEmpty();
            assertThat(old.directory()).doesNotExist();
            assertThat(store.get(leased.key())).isPresent();
            assertThatThrownBy(() -> budget.makeRoom(70))
                    .hasMessageContaining("40 bytes are held by running copies (artifact " + leased.key().hex() + ")");
        }
    }

    @Test
    void anEvictionWhoseRenameFailsKeepsTheArtifactListedAndWhole() throws IOException {
        DiskBudget budget = new DiskBudget(100);
        ArtifactStore store = new ArtifactStore(dir, budget);
        Artifact old = store.publish(verified(store, "s3://models/old.bin", "old.bin", "x".repeat(40)), Throughput.UNLIMITED);
        Files.delete(dir.resolve("staging"));
        Files.writeString(dir.resolve("staging"), "not a directory"); // evicted trees are renamed into staging/

        assertThatThrownBy(() -> budget.makeRoom(80)).isInstanceOf(IOException.class);
        assertThat(store.get(old.key())).as("still complete, so still listed").isPresent();
        assertThat(old.directory().resolve("old.bin")).hasContent("x".repeat(40));
        assertThat(store.usedBytes()).isEqualTo(40);
    }

    @Test
    void anObjectKeyThatClimbsOutOfThePrefixIsRefused() {
        ObjectVersion evil = new ObjectVersion("models", "llm/../../etc/passwd", 1, "e");
        assertThatThrownBy(() -> new ArtifactSource(S3Uri.parse("s3://models/llm/"), List.of(evil)))
                .hasMessageContaining("would land outside the model directory as '../../etc/passwd'");
        ObjectVersion dots = new ObjectVersion("models", "llm/../x", 1, "e");
        assertThatThrownBy(() -> new ArtifactSource(S3Uri.parse("s3://models/llm/"), List.of(dots)))
                .hasMessageContaining("would land outside the model directory");
    }

    @Test
    void theObjectsOfAModelKeptFileByFileAreHeldAsS3StoresThem() throws IOException {
        ArtifactStore store = new ArtifactStore(dir);
        ArtifactSource source = verified(store, "s3://models/llm/v1/", "llm/v1/config.json", "{}", "llm/v1/weights/a.bin", "AAAA");
        ObjectVersion weights = source.objects().get(1);
        store.publish(source, Throughput.UNLIMITED);

        assertThat(store.heldObject("models", "llm/v1/weights/a.bin", weights.eTag())).hasValueSatisfying(p ->
                assertThat(p).hasContent("AAAA"));
        assertThat(store.heldObject("models", "llm/v1/weights/a.bin", "\"" + weights.eTag() + "\"")).as("quoted ETag").isPresent();
        assertThat(store.heldObject("models", "llm/v1/weights/a.bin", "another-version")).isEmpty();
        assertThat(store.heldObject("models", "llm/v1/absent.bin", weights.eTag())).isEmpty();
        assertThat(store.heldObject("other", "llm/v1/weights/a.bin", weights.eTag())).isEmpty();
    }

    @Test
    void aPackedModelIsKeptAfterUnpackingOnlyWhileTheBudgetHasRoom() throws IOException {
        DiskBudget budget = new DiskBudget(1_000_000);
        ArtifactStore store = new ArtifactStore(dir, budget);
        byte[] packed = dev.kindling.agent.TestTars.tar(true, "weights.bin", "w".repeat(5_000));
        ObjectVersion o = new ObjectVersion("models", "llm/model.tar.gz", packed.length, "etag-packed");
        Files.write(store.verifiedObject(o), packed);
        Artifact unpacked = store.publish(new ArtifactSource(S3Uri.parse("s3://models/llm/model.tar.gz"), List.of(o)),
                Throughput.UNLIMITED);
        Artifact other = store.publish(verified(store, "s3://models/other.bin", "other.bin", "z".repeat(100)), Throughput.UNLIMITED);

        assertThat(store.verifiedObject(o)).doesNotExist();
        assertThat(store.heldObject("models", "llm/model.tar.gz", "etag-packed")).hasValueSatisfying(p ->
                assertThat(p).hasBinaryContent(packed));
        assertThat(store.usedBytes()).as("artifacts alone").isEqualTo(5_000 + 100);
        assertThat(budget.usedBytes()).isEqualTo(5_000 + 100 + packed.length);

        ArtifactStore reopened = new ArtifactStore(dir, new DiskBudget(1_000_000));
        assertThat(reopened.heldObject("models", "llm/model.tar.gz", "etag-packed")).isPresent();
        assertThat(reopened.budget().usedBytes()).as("counted again after a restart").isEqualTo(5_000 + 100 + packed.length);

        // Needing room, the budget lets the kept package go before any artifact, however recently used.
        budget.makeRoom(1_000_000 - 5_100);
        assertThat(store.heldObject("models", "llm/model.tar.gz", "etag-packed")).isEmpty();
        assertThat(store.get(unpacked.key())).isPresent();
        assertThat(store.get(other.key())).isPresent();
    }
}
