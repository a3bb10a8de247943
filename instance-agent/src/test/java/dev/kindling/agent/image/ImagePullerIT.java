package dev.kindling.agent.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.store.BlobStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.kindling.agent.TestTars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image pulled from a real registry into a root filesystem: layers fetched in chunks and applied in order. */
class ImagePullerIT {

    @TempDir
    Path dir;

    @Test
    void pullsAndUnpacksAnImageLayerByLayer() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(), "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        byte[] weights = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(weights);
        try (LocalRegistry registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")))) {
            registry.pushImage("team/app", "v1", RegistryClient.OCI_MANIFEST, "{}".getBytes(StandardCharsets.UTF_8), List.of(
                    TestTars.tar(true, "app/config", "one", "app/old", "x"),
                    TestTars.tar(false, "app/weights.bin", weights),
                    TestTars.tar(true, "app/config", "two", "app/.wh.old", "")));
            ImageReference ref = ImageReference.parse(registry.host() + "/team/app:v1");
            Path rootfs = dir.resolve("rootfs");
            try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30));
                 BlobFetcher fetcher = new BlobFetcher(new FetchSettings(256 * 1024, 3, 3, Duration.ofSeconds(30)))) {
                ImagePuller.Result r = new ImagePuller(fetcher).pull(c, ref, new BlobStore(dir.resolve("store")), rootfs);
                assertThat(r.tiers().tiers().get("registry").hits()).isEqualTo(4);
                assertThat(r.layerBytesWritten()).isEqualTo(3 + 1 + weights.length + 3);
            }
            assertThat(Files.readString(rootfs.resolve("app/config"))).isEqualTo("two");
            assertThat(rootfs.resolve("app/old")).doesNotExist();
            assertThat(Files.readAllBytes(rootfs.resolve("app/weights.bin"))).isEqualTo(weights);
        }
    }
}
