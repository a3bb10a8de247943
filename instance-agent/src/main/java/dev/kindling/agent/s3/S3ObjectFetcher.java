package dev.kindling.agent.s3;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ArtifactException.Code;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.fetch.ChunkedDownload;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.InstanceThroughput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import software.amazon.awssdk.http.Abortable;

/**
 * Downloads S3 objects into verified files with parallel ranged GETs: one queue of chunks across all objects,
 * drained by a pool of workers (a {@link ChunkedDownload}, as for registry blobs), so one giant object does not
 * serialize the fetch. Each object is verified while it streams in ({@link ObjectVerifier}: ETag and full-object
 * checksum) and its file is moved to its {@code verified} path only on a match; a mismatch discards its partial
 * bytes and fails naming the object and both values. An interrupted fetch resumes from the chunks it has.
 * Reads are paced by the instance's network limit and writes by its disk limit.
 */
public final class S3ObjectFetcher implements AutoCloseable {

    /** One object to fetch and where its bytes go: partial data, chunk marks, and the verified file. */
    public record ObjectDownload(ObjectVersion object, Path partialData, Path marks, Path verified) {}

    private final S3Reader reader;
    private final ChunkedDownload download;

    public S3ObjectFetcher(S3Reader reader, InstanceThroughput throughput) {
        this.reader = reader;
        S3FetchSettings s = reader.settings();
        this.download = new ChunkedDownload("S3", s.chunkBytes(), s.parallelism(), s.chunkTimeout(),
                S3Reader.retryOf("s3-chunk", s.attempts()), reader.breaker(), ArtifactException.class,
                throughput.network(), throughput.disk(), "s3-fetch");
    }

    public S3Reader reader() {
        return reader;
    }

    /** Chunk size; partial files' chunk marks are only valid for the chunk size they were written with. */
    public long chunkBytes() {
        return download.chunkBytes();
    }

    /**
     * Fetches every object whose verified file is not there yet; {@code progress} hears of bytes as they land.
     * Throws an {@link ArtifactException} naming the object when one cannot be fetched or verified.
     */
    public S3FetchReport fetch(List<ObjectDownload> objects, LongConsumer progress) {
        return fetch(objects, progress, o -> { });
    }

    /** Fetches as above; {@code verified} hears of each object the moment its verified file is in place. */
    public S3FetchReport fetch(List<ObjectDownload> objects, LongConsumer progress, Consumer<ObjectVersion> verified) {
        long started = System.nanoTime();
        int retriesBefore = reader.retries();
        long alreadyVerified = 0;
        List<ObjectDownload> missing = new ArrayList<>();
        for (ObjectDownload o : objects) {
            if (Files.isRegularFile(o.verified())) alreadyVerified += o.object().size();
            else missing.add(o);
        }
        List<ObjectTarget> targets = new ArrayList<>();
        List<ObjectIntegrity> integrities = integrities(missing);
        for (int i = 0; i < missing.size(); i++) targets.add(new ObjectTarget(missing.get(i), integrities.get(i), verified));
        ChunkedDownload.Result r = download.run(targets, progress);
        return new S3FetchReport(objects.size(), r.bytesFetched(), r.bytesResumed() + alreadyVerified,
                r.retries() + reader.retries() - retriesBefore, Duration.ofNanos(System.nanoTime() - started));
    }

    /** HEADs (and part-size probes) for every object, in parallel when there are several. */
    private List<ObjectIntegrity> integrities(List<ObjectDownload> objects) {
        if (objects.size() <= 1) return objects.stream().map(o -> reader.integrity(o.object())).toList();
        int threads = Math.min(reader.settings().parallelism(), objects.size());
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("s3-head-", 0).factory())) {
            List<Future<ObjectIntegrity>> heads = objects.stream().map(o -> pool.submit(() -> reader.integrity(o.object()))).toList();
            List<ObjectIntegrity> out = new ArrayList<>();
            for (Future<ObjectIntegrity> f : heads) out.add(f.get());
            return out;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new ArtifactException(Code.UNAVAILABLE, "reading object metadata: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactException(Code.UNAVAILABLE, "interrupted while reading object metadata", e);
        }
    }

    @Override
    public void close() {
        download.close();
    }

    /** One object: read from S3 in ranges, verified in order, moved to its verified path if it matches. */
    private final class ObjectTarget implements ChunkedDownload.Target {
        private final ObjectDownload d;
        private final ObjectVerifier verifier;
        private final Consumer<ObjectVersion> verified;

        ObjectTarget(ObjectDownload d, ObjectIntegrity integrity, Consumer<ObjectVersion> verified) {
            this.d = d;
            this.verifier = integrity.verifier();
            this.verified = verified;
        }

        @Override
        public long size() {
            return d.object().size();
        }

        @Override
        public Path dataFile() {
            return d.partialData();
        }

        @Override
        public Path marksFile() {
            return d.marks();
        }

        @Override
        public InputStream open(long offset, long length, Duration timeout) {
            return reader.openRange(d.object(), offset, length, timeout);
        }

        @Override
        public void abort(InputStream in) {
            if (in instanceof Abortable a) a.abort();
        }

        @Override
        public void digest(ByteBuffer bytes) {
            verifier.update(bytes);
        }

        @Override
        public void complete() throws IOException {
            ObjectVerifier.Verdict v = verifier.finish();
            if (!v.verified()) {
                throw new ArtifactException(v.failure(), "s3://" + d.object().bucket() + "/" + d.object().key() + " " + v.detail()
                        + (v.failure() == Code.CORRUPT ? "; its partial bytes were discarded" : ""));
            }
            FileTrees.move(d.partialData(), d.verified());
            verified.accept(d.object());
        }

        @Override
        public RuntimeException failure(String detail, Throwable cause) {
            Code code = cause instanceof ArtifactException a ? a.code() : Code.UNAVAILABLE;
            return new ArtifactException(code, "fetching s3://" + d.object().bucket() + "/" + d.object().key() + detail, cause);
        }
    }
}
