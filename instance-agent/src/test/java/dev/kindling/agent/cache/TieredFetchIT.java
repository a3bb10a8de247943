package dev.kindling.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blobs resolved local store → endpoint image cache → registry, with a corrupt cache copy falling through. */
class TieredFetchIT {

    @TempDir
    Path dir;

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void eachBlobComesFromTheFirstTierThatHasAGoodCopy() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(), "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        List<byte[]> layers = List.of(random(1, 200_000), random(2, 300_000), random(3, 400_000));
        try (LocalRegistry registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")))) {
            registry.pushImage("team/app", "v1", RegistryClient.OCI_MANIFEST, "{}".getBytes(StandardCharsets.UTF_8), layers);
            ImageReference ref = ImageReference.parse(registry.host() + "/team/app:v1");
            try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30));
                 BlobFetcher fetcher = new BlobFetcher(new FetchSettings(64 * 1024, 2, 2, Duration.ofSeconds(30)))) {
                Manifest m = c.pullManifest(ref);
                List<Descriptor> l = m.layers();
                // The endpoint's cache volume holds layer 0 intact and a corrupt layer 1; layer 2 is not there.
                Path cacheBlobs = Files.createDirectories(dir.resolve("endpoint-cache/blobs/sha256"));
                Files.write(cacheBlobs.resolve(l.get(0).digest().hex()), layers.get(0));
                Files.write(cacheBlobs.resolve(l.get(1).digest().hex()), random(99, 300_000));
                BlobStore store = new BlobStore(dir.resolve("store"));
                TieredFetch tiers = new TieredFetch(List.of(new DirectoryImageCache("endpoint-image-cache",
                        dir.resolve("endpoint-cache"))), fetcher);

                TierReport first = tiers.fetch(c, ref.toString(), ref.repository(), m.blobs(), store);
                assertThat(first.tiers().get("endpoint-image-cache")).isEqualTo(new TierReport.TierStats(1, 200_000));
                assertThat(first.tiers().get("registry").hits()).isEqualTo(3); // config, corrupt layer 1, layer 2
                assertThat(first.fallbacks()).singleElement().asString()
                        .contains("endpoint-image-cache holds a corrupt copy of blob " + l.get(1).digest());
                for (int i = 0; i < 3; i++) {
                    assertThat(Files.readAllBytes(store.path(l.get(i).digest()))).isEqualTo(layers.get(i));
                }

                TierReport again = tiers.fetch(c, ref.toString(), ref.repository(), m.blobs(), store);
                assertThat(again.tiers().get("local").hits()).isEqualTo(4);
                assertThat(again.tiers().get("registry").hits()).isZero();
            }
        }
    }

    @Test
    void whenEveryTierFailsTheReasonNamesTheImage() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("store"));
        Descriptor missing = new Descriptor("l", dev.kindling.agent.registry.Digest.parse("sha256:" + "c".repeat(64)), 10);
        ImageReference ref = ImageReference.parse("127.0.0.1:1/team/app:v1"); // nothing listens on port 1
        try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(2));
             BlobFetcher fetcher = new BlobFetcher(new FetchSettings(64 * 1024, 1, 1, Duration.ofSeconds(2)))) {
            TieredFetch tiers = new TieredFetch(List.of(new DirectoryImageCache("endpoint-image-cache", dir.resolve("none"))), fetcher);
            assertThatThrownBy(() -> tiers.fetch(c, ref.toString(), ref.repository(), List.of(missing), store))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("image " + ref + ": no tier could provide its blobs")
                    .hasMessageContaining("blob " + missing.digest());
        }
    }
}
