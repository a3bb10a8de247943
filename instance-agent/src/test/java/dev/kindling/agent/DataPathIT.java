package dev.kindling.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.artifact.LocalS3;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.io.Progress;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.runtime.CopyData;
import dev.kindling.agent.s3.S3FetchSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;

/**
 * One instance's data path end to end, against a real registry and a real S3-compatible server: a copy's image
 * from the registry and its model from S3 on a cold instance, both from the instance's own stores on the next
 * start, every byte through the instance's network and disk limits.
 */
class DataPathIT {

    @TempDir
    static Path servers;
    private static LocalRegistry registry;
    private static LocalS3 s3;
    private static byte[] layer;
    private static byte[] model;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(), "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        registry = LocalRegistry.start(Files.createDirectories(servers.resolve("registry")));
        byte[] weights = new byte[2 << 20];
        new Random(7).nextBytes(weights);
        layer = TestTars.tar(false, "srv/server.bin", weights);
        registry.pushImage("team/server", "1", RegistryClient.OCI_MANIFEST, "{}".getBytes(StandardCharsets.UTF_8),
                List.of(layer, TestTars.tar(true, "srv/config", "x".getBytes(StandardCharsets.UTF_8))));
        s3 = LocalS3.start(servers.resolve("s3"));
        s3.createBucket("models");
        byte[] shard = new byte[3 << 20];
        new Random(8).nextBytes(shard);
        model = TestTars.tar(true, "weights/shard-0.bin", shard);
        s3.put("models", "llm/model.tar.gz", model);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) registry.close();
        if (s3 != null) s3.close();
    }

    private final AtomicLong networkBytes = new AtomicLong();
    private final AtomicLong diskBytes = new AtomicLong();

    private DataPath dataPath(Path disk) {
        Throughput network = networkBytes::addAndGet;
        Throughput diskLimit = diskBytes::addAndGet;
        return new DataPath(new DataPathSettings(disk, 1L << 30, new FetchSettings(512 * 1024, 3, 2, Duration.ofSeconds(10)),
                new Registries.Settings(registry.host(), null, RegistryCredentials.anonymous(), Duration.ofSeconds(5)),
                new DataPathSettings.S3Access(s3.endpoint(), "us-east-1", AnonymousCredentialsProvider.create(),
                        S3FetchSettings.DEFAULTS.withChunkBytes(1 << 20).withParallelism(3)),
                null, null, new InstanceThroughput(network, diskLimit)));
    }

    /** Progress as a copy's timeline sees it. */
    private static final class Seen implements Progress {
        final AtomicLong total = new AtomicLong(-1);
        final AtomicLong moved = new AtomicLong();

        @Override
        public void total(long bytes) {
            total.set(bytes);
        }

        @Override
        public void moved(long bytes) {
            moved.addAndGet(bytes);
        }
    }

    @Test
    void aColdInstanceFetchesFromRegistryAndS3AndAWarmOneFromItsOwnStores() throws Exception {
        Path disk = dir.resolve("disk");
        try (DataPath path = dataPath(disk)) {
            Seen imageProgress = new Seen();
            try (CopyData.Prepared image = path.image("team/server:1", imageProgress);
                 CopyData.Prepared m = path.model("s3://models/llm/model.tar.gz", Progress.NONE)) {
                assertThat(image.tiers()).containsExactly(new TierUsage("image", "registry", 3, image.bytes()));
                assertThat(imageProgress.total.get()).isEqualTo(image.bytes());
                assertThat(imageProgress.moved.get()).isEqualTo(image.bytes());
                assertThat(Files.size(image.path().resolve("srv/server.bin"))).isEqualTo(2 << 20);
                assertThat(m.tiers()).containsExactly(new TierUsage("model", "s3", 1, model.length));
                assertThat(Files.size(m.path().resolve("weights/shard-0.bin"))).isEqualTo(3 << 20);
            }
            // Every byte fetched went through the network limit, and every byte written through the disk limit
            // (blobs and the packed model as they land, then the unpacked image and model).
            assertThat(networkBytes.get()).isGreaterThanOrEqualTo(layer.length + model.length);
            assertThat(diskBytes.get()).isGreaterThanOrEqualTo(layer.length + model.length + (2 << 20) + (3 << 20));
        }

        long networkBefore = networkBytes.get();
        try (DataPath warm = dataPath(disk);
             CopyData.Prepared image = warm.image("team/server:1", Progress.NONE);
             CopyData.Prepared m = warm.model("s3://models/llm/model.tar.gz", Progress.NONE)) {
            assertThat(image.tiers()).extracting(TierUsage::tier).containsExactly("local");
            assertThat(m.tiers()).extracting(TierUsage::tier).containsExactly("local");
            assertThat(networkBytes.get()).as("nothing fetched").isEqualTo(networkBefore);
        }
    }

    @Test
    void aMissingImageOrModelFailsWithAReasonNamingIt() {
        try (DataPath path = dataPath(dir.resolve("disk"))) {
            assertThatThrownBy(() -> path.image("team/absent:1", Progress.NONE))
                    .hasMessageStartingWith("image " + registry.host() + "/team/absent:1: ")
                    .hasMessageContaining("404");
            assertThatThrownBy(() -> path.model("s3://models/absent/model.tar.gz", Progress.NONE))
                    .hasMessageStartingWith("model s3://models/absent/model.tar.gz");
        }
    }
}
