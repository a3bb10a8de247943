package dev.kindling.agent.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.LocalS3;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3FaultProxy;
import dev.kindling.agent.artifact.S3FaultProxy.Fault;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.io.InstanceThroughput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 objects fetched from a real S3-compatible server (s3proxy), some through a proxy that breaks reads on cue:
 * chunks across workers, ETag and checksum verification, corrupt bytes, retries, stalls, and resumption.
 */
class S3ObjectFetcherIT {

    private static final int CHUNK = 64 * 1024;
    @TempDir
    static Path serverDir;
    private static LocalS3 s3;
    private static S3FaultProxy faults;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(serverDir);
        s3.createBucket("models");
        faults = S3FaultProxy.in(s3.endpoint());
    }

    @AfterAll
    static void stop() throws Exception {
        faults.close();
        s3.close();
    }

    @BeforeEach
    void passEverything() {
        faults.script(get -> Fault.PASS);
        faults.clear();
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static S3FetchSettings settings(int parallelism, int attempts) {
        return S3FetchSettings.DEFAULTS.withChunkBytes(CHUNK).withParallelism(parallelism).withAttempts(attempts)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private S3ObjectFetcher.ObjectDownload into(ObjectVersion o) {
        String name = o.key().replace('/', '_');
        return new S3ObjectFetcher.ObjectDownload(o, dir.resolve(name + ".data"), dir.resolve(name + "." + CHUNK + ".chunks"),
                dir.resolve(name + ".verified"));
    }

    @Test
    void aLargeishObjectIsSplitAcrossChunksAndWorkersAndVerifiedByMd5AndSha256() throws Exception {
        byte[] bytes = random(1, 1_000_000);
        ObjectVersion o = s3.put("models", "big/weights.bin", bytes, FullObjectChecksum.Algorithm.SHA256);
        AtomicLong progress = new AtomicLong();
        AtomicLong network = new AtomicLong();
        AtomicLong disk = new AtomicLong();
        InstanceThroughput paced = new InstanceThroughput(network::addAndGet, disk::addAndGet);
        try (S3Client client = LocalS3.newClient(faults.endpoint(), settings(3, 2));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(3, 2)), paced)) {
            List<ObjectVersion> resolved = fetcher.reader().resolve(S3Uri.parse("s3://models/big/weights.bin"));
            assertThat(resolved).containsExactly(o);
            ObjectIntegrity integrity = fetcher.reader().integrity(o);
            assertThat(integrity.eTag()).isInstanceOf(ObjectIntegrity.ETagCheck.Md5.class);
            assertThat(integrity.checksum()).map(FullObjectChecksum::algorithm).contains(FullObjectChecksum.Algorithm.SHA256);

            S3FetchReport r = fetcher.fetch(List.of(into(o)), progress::addAndGet);
            assertThat(r.bytesFetched()).isEqualTo(bytes.length);
            assertThat(r.objects()).isEqualTo(1);
            assertThat(progress).hasValue(bytes.length);
            assertThat(network).as("every byte read went through the network limit").hasValue(bytes.length);
            assertThat(disk).as("and every byte written through the disk limit").hasValue(bytes.length);
        }
        assertThat(Files.readAllBytes(into(o).verified())).isEqualTo(bytes);
        assertThat(into(o).partialData()).doesNotExist();
        assertThat(faults.gets()).hasSize(16);
        assertThat(faults.gets().stream().map(S3FaultProxy.Get::range).distinct()).hasSize(16);
    }

    @Test
    void aMultipartUploadIsVerifiedByItsMultipartETagWithTheGuessedPartSize() throws Exception {
        byte[] bytes = random(2, (5 << 20) + 300_000);
        ObjectVersion o = s3.putMultipart("models", "mp/model.safetensors", bytes, 5 << 20);
        assertThat(o.eTag()).endsWith("-2");
        try (S3Client client = s3.newClient(settings(3, 2));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(3, 2).withChunkBytes(1 << 20)),
                     InstanceThroughput.UNLIMITED)) {
            ObjectIntegrity integrity = fetcher.reader().integrity(o);
            assertThat(integrity.eTag()).isInstanceOfSatisfying(ObjectIntegrity.ETagCheck.Multipart.class, m -> {
                assertThat(m.partSizeKnown()).as("s3proxy answers HeadObject partNumber=1 with 501").isFalse();
                assertThat(m.partSizes()).contains(5L << 20);
            });
            fetcher.fetch(List.of(into(o)), n -> { });
        }
        assertThat(Files.readAllBytes(into(o).verified())).isEqualTo(bytes);
    }

    @Test
    void aCrc64NvmeChecksumAsS3ComputesByDefaultIsVerified() throws Exception {
        byte[] bytes = random(3, 200_000);
        // s3proxy checks the header against its own CRC-64/NVME before it stores the object
        ObjectVersion o = s3.put("models", "crc/config.bin", bytes, FullObjectChecksum.Algorithm.CRC64NVME);
        try (S3Client client = s3.newClient(settings(2, 1));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(2, 1)), InstanceThroughput.UNLIMITED)) {
            assertThat(fetcher.reader().integrity(o).checksum()).map(FullObjectChecksum::algorithm)
                    .contains(FullObjectChecksum.Algorithm.CRC64NVME);
            fetcher.fetch(List.of(into(o)), n -> { });
        }
        assertThat(Files.readAllBytes(into(o).verified())).isEqualTo(bytes);
    }

    @Test
    void corruptBytesFailNamingTheObjectAndBothChecksumsAndAreDiscarded() throws Exception {
        byte[] bytes = random(4, 300_000);
        ObjectVersion o = s3.put("models", "bad/weights.bin", bytes, FullObjectChecksum.Algorithm.SHA256);
        faults.script(get -> get.range().startsWith("bytes=65536-") ? new Fault.FlipByte(1000) : Fault.PASS);
        try (S3Client client = LocalS3.newClient(faults.endpoint(), settings(2, 2));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(2, 2)), InstanceThroughput.UNLIMITED)) {
            assertThatThrownBy(() -> fetcher.fetch(List.of(into(o)), n -> { }))
                    .isInstanceOfSatisfying(ArtifactException.class, e -> assertThat(e.code()).isEqualTo(ArtifactException.Code.CORRUPT))
                    .hasMessageContaining("s3://models/bad/weights.bin does not match its x-amz-checksum-sha256: expected "
                            + FullObjectChecksum.of(FullObjectChecksum.Algorithm.SHA256, bytes).base64())
                    .hasMessageContaining("the 300000 bytes received give ")
                    .hasMessageContaining("partial bytes were discarded");
        }
        assertThat(into(o).verified()).doesNotExist();
        assertThat(into(o).partialData()).doesNotExist();
        assertThat(into(o).marks()).doesNotExist();
    }

    @Test
    void transientServerErrorsAreRetriedAndCounted() throws Exception {
        byte[] bytes = random(5, 400_000);
        ObjectVersion o = s3.put("models", "flaky/weights.bin", bytes);
        faults.script(get -> get.number() % 3 == 1 ? new Fault.Status(500) : Fault.PASS);
        S3FetchReport r;
        try (S3Client client = LocalS3.newClient(faults.endpoint(), settings(2, 4));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(2, 4)), InstanceThroughput.UNLIMITED)) {
            r = fetcher.fetch(List.of(into(o)), n -> { });
        }
        assertThat(r.retries()).isPositive();
        assertThat(Files.readAllBytes(into(o).verified())).isEqualTo(bytes);
    }

    @Test
    void anEndpointThatKeepsFailingOpensTheCircuitAndLaterCallsFailFast() throws Exception {
        ObjectVersion o = s3.put("models", "down/weights.bin", random(10, CHUNK));
        faults.script(get -> new Fault.Status(500));
        try (S3Client client = LocalS3.newClient(faults.endpoint(), settings(1, 4));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(1, 4)), InstanceThroughput.UNLIMITED)) {
            // Each fetch: one HEAD that works, four GETs that fail. The breaker opens at 80% failures of 10 calls.
            ArtifactException last = null;
            int getsBefore = 0;
            for (int i = 0; i < 5 && (last == null || !last.getMessage().contains("circuit open")); i++) {
                getsBefore = faults.gets().size();
                try {
                    fetcher.fetch(List.of(into(o)), n -> { });
                } catch (ArtifactException e) {
                    last = e;
                }
            }
            assertThat(last).isNotNull().hasMessageContaining("s3://models/down/weights.bin: S3 keeps failing, circuit open");
            assertThat(last.code()).isEqualTo(ArtifactException.Code.UNAVAILABLE);
            assertThat(faults.gets()).as("an open circuit sends no GET").hasSize(getsBefore);
        }
    }

    @Test
    void aStalledResponseIsAbortedAtTheChunkTimeout() throws Exception {
        ObjectVersion o = s3.put("models", "stall/weights.bin", random(6, CHUNK));
        faults.script(get -> new Fault.StallAfter(10));
        S3FetchSettings s = settings(1, 1).withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(5));
        try (S3Client client = LocalS3.newClient(faults.endpoint(), s);
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, s), InstanceThroughput.UNLIMITED)) {
            assertThatThrownBy(() -> fetcher.fetch(List.of(into(o)), n -> { }))
                    .isInstanceOfSatisfying(ArtifactException.class, e -> assertThat(e.code()).isEqualTo(ArtifactException.Code.UNAVAILABLE))
                    .hasMessageContaining("fetching s3://models/stall/weights.bin (bytes 0+65536): timed out");
        }
    }

    @Test
    void anInterruptedDownloadResumesFromTheChunksItHas() throws Exception {
        byte[] bytes = random(7, 10 * CHUNK);
        ObjectVersion o = s3.put("models", "resume/weights.bin", bytes);
        faults.script(get -> get.number() <= 4 ? Fault.PASS : new Fault.Status(503)); // S3 goes away after 4 chunks
        try (S3Client client = LocalS3.newClient(faults.endpoint(), settings(1, 1));
             S3ObjectFetcher fetcher = new S3ObjectFetcher(new S3Reader(client, settings(1, 1)), InstanceThroughput.UNLIMITED)) {
            assertThatThrownBy(() -> fetcher.fetch(List.of(into(o)), n -> { })).isInstanceOf(ArtifactException.class)
                    .hasMessageContaining("HTTP 503");
            assertThat(into(o).partialData()).exists();

            faults.script(get -> Fault.PASS);
            faults.clear();
            S3FetchReport r = fetcher.fetch(List.of(into(o)), n -> { });
            assertThat(r.bytesResumed()).isEqualTo(4L * CHUNK);
            assertThat(r.bytesFetched()).isEqualTo(6L * CHUNK);
            assertThat(faults.gets()).as("only the missing chunks are read again").hasSize(6)
                    .allSatisfy(g -> assertThat(Long.parseLong(g.range().replaceAll("bytes=(\\d+)-.*", "$1"))).isGreaterThanOrEqualTo(4L * CHUNK));
        }
        assertThat(Files.readAllBytes(into(o).verified())).isEqualTo(bytes);
    }

    @Test
    void aUriResolvesToItsObjectOrThePrefixBelowItOrSaysWhatIsMissing() throws Exception {
        s3.put("models", "tree/config.json", "{}".getBytes());
        s3.put("models", "tree/weights/a.bin", random(8, 10));
        s3.put("models", "tree-other/x", random(9, 10));
        try (S3Client client = s3.newClient(settings(1, 1))) {
            S3Reader reader = new S3Reader(client, settings(1, 1));
            assertThat(reader.resolve(S3Uri.parse("s3://models/tree/")).stream().map(ObjectVersion::key))
                    .containsExactlyInAnyOrder("tree/config.json", "tree/weights/a.bin");
            assertThat(reader.resolve(S3Uri.parse("s3://models/tree")).stream().map(ObjectVersion::key))
                    .as("no object 'tree': its prefix 'tree/', not 'tree-other'")
                    .containsExactlyInAnyOrder("tree/config.json", "tree/weights/a.bin");
            assertThatThrownBy(() -> reader.resolve(S3Uri.parse("s3://models/nothing-here")))
                    .isInstanceOfSatisfying(ArtifactException.class, e -> assertThat(e.code()).isEqualTo(ArtifactException.Code.NOT_FOUND))
                    .hasMessageContaining("resolving s3://models/nothing-here: no such object, and no objects under s3://models/nothing-here/");
        }
    }
}
