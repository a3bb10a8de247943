package dev.kindling.agent.cache.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.cache.ImageCache.Outcome;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The endpoint image cache tier against the volume the control plane granted: blobs it lists are served or reported
 * missing or corrupt, blobs it does not list are plain misses, and a volume that cannot be used at all is one fault
 * naming its location. Each fault carries the granted generation.
 */
class EndpointImageCacheTest {

    private static final String ENDPOINT = "chat";
    private static final long GENERATION = 7;

    @TempDir
    Path dir;
    private BlobStore store;
    private final byte[] good = random(1, 50_000);
    private final byte[] absent = random(2, 40_000);
    private final byte[] corrupt = random(3, 30_000);
    private final byte[] unlisted = random(4, 20_000);

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Descriptor descriptor(byte[] content) {
        return new Descriptor("application/vnd.oci.image.layer.v1.tar", TestVolume.digest(content), content.length);
    }

    private static CacheGrant grant(Path root, long generation) {
        return new CacheGrant(ENDPOINT, generation, root.toString(), root.resolve("models").toString(), "tok");
    }

    private TestVolume volume;

    @BeforeEach
    void buildVolume() throws IOException {
        store = new BlobStore(dir.resolve("store"));
        volume = TestVolume.at(dir.resolve("volume"), ENDPOINT, GENERATION).image("team/app:1", good, absent, corrupt).complete();
        Files.delete(volume.blobPath(TestVolume.digest(absent)));
        Files.write(volume.blobPath(TestVolume.digest(corrupt)), random(99, corrupt.length));
        Files.write(volume.blobPath(TestVolume.digest(unlisted)), unlisted);
    }

    private ImageCache tier(CacheGrant grant) {
        EndpointCaches caches = new EndpointCaches(null, null, Throughput.UNLIMITED);
        caches.grant(grant);
        return caches.imageTier();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            a listed blob is served                             | good     | Hit    | none
            a listed blob the volume lacks is missing           | absent   | Miss   | missing
            a listed blob that does not hash to its digest      | corrupt  | Failed | corrupt
            a blob the volume does not list is a plain miss     | unlisted | Miss   | none
            """)
    void eachBlobAgainstWhatTheVolumeLists(String label, String which, String outcome, String faultKind) {
        byte[] content = switch (which) {
            case "good" -> good;
            case "absent" -> absent;
            case "corrupt" -> corrupt;
            default -> unlisted;
        };
        Descriptor blob = descriptor(content);

        Outcome o = tier(grant(volume.root(), GENERATION)).provide(blob, store);

        assertThat(o.getClass().getSimpleName()).isEqualTo(outcome);
        if (faultKind == null) {
            assertThat(o.faults()).isEmpty();
        } else {
            assertThat(o.faults()).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(faultKind);
                assertThat(f.id()).isEqualTo(blob.digest().toString());
                assertThat(f.artifact()).isEqualTo("image");
                assertThat(f.tier()).isEqualTo("endpoint-image-cache");
                assertThat(f.generation()).isEqualTo(GENERATION);
            });
        }
        assertThat(store.holds(blob.digest())).isEqualTo(outcome.equals("Hit"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the granted location does not exist           | gone           | missing
            no kindling-cache.json: its build did not end | unlisted       | missing
            kindling-cache.json cannot be parsed          | garbled        | unreadable
            built for another endpoint                    | other-endpoint | corrupt
            holding another generation than granted       | other-gen      | missing
            """)
    void aVolumeThatCannotBeUsedIsOneFaultNamingItsLocation(String label, String damage, String kind) throws IOException {
        Path root = volume.root();
        Path list = root.resolve("kindling-cache.json");
        switch (damage) {
            case "gone" -> root = dir.resolve("never-mounted");
            case "unlisted" -> Files.delete(list);
            case "garbled" -> Files.writeString(list, "{\"endpointName\": \"chat\", \"generation\": ");
            case "other-endpoint" -> TestVolume.at(root, "billing", GENERATION).image("team/app:1", good).complete();
            case "other-gen" -> TestVolume.at(root, ENDPOINT, GENERATION - 1).image("team/app:1", good).complete();
            default -> throw new IllegalArgumentException(damage);
        }
        ImageCache tier = tier(grant(root, GENERATION));
        String location = root.toString();

        Outcome first = tier.provide(descriptor(good), store);
        Outcome second = tier.provide(descriptor(absent), store);

        for (Outcome o : new Outcome[] {first, second}) {
            assertThat(o).isInstanceOf(Outcome.Miss.class);
            assertThat(o.faults()).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(kind);
                assertThat(f.id()).isEqualTo(location);
                assertThat(f.generation()).isEqualTo(GENERATION);
            });
        }
        assertThat(first.faults()).as("the same fault for every blob, which a report keeps once").isEqualTo(second.faults());
        assertThat(store.holds(descriptor(good).digest())).isFalse();
    }

    @Test
    void untilAGrantTheTierMisses() {
        Outcome o = new EndpointCaches(null, null, Throughput.UNLIMITED).imageTier().provide(descriptor(good), store);
        assertThat(o).isEqualTo(new Outcome.Miss());
    }

    @Test
    void eachGrantReplacesTheVolumeTheTierReads() throws IOException {
        TestVolume next = TestVolume.at(dir.resolve("volume-8"), ENDPOINT, 8).image("team/app:1", absent).complete();
        EndpointCaches caches = new EndpointCaches(null, null, Throughput.UNLIMITED);
        ImageCache tier = caches.imageTier();

        caches.grant(grant(volume.root(), GENERATION));
        assertThat(tier.provide(descriptor(absent), store).faults()).extracting(CacheFault::kind).containsExactly("missing");
        caches.grant(grant(next.root(), 8));
        assertThat(tier.provide(descriptor(absent), store)).isInstanceOf(Outcome.Hit.class);
        caches.grant(new CacheGrant(ENDPOINT, 9, null, null, "tok"));
        assertThat(tier.provide(descriptor(good), store)).as("a grant without an image cache").isEqualTo(new Outcome.Miss());
        caches.grant(null);
        assertThat(tier.provide(descriptor(good), store)).isEqualTo(new Outcome.Miss());
        assertThat(caches.peerToken()).isNull();
    }

    @Test
    void aDirectoryTheAgentWasConfiguredWithServesWhatItHoldsUntilAGrantNamesAnother() throws IOException {
        Path configured = dir.resolve("configured");
        Files.createDirectories(configured.resolve("blobs/sha256"));
        Files.write(configured.resolve("blobs/sha256").resolve(TestVolume.digest(unlisted).hex()), unlisted);
        EndpointCaches caches = new EndpointCaches(configured, null, Throughput.UNLIMITED);

        assertThat(caches.imageTier().provide(descriptor(unlisted), store)).isInstanceOf(Outcome.Hit.class);

        caches.grant(grant(volume.root(), GENERATION));
        assertThat(caches.imageTier().provide(descriptor(good), store)).isInstanceOf(Outcome.Hit.class);
    }
}
