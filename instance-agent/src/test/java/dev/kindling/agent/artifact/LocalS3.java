package dev.kindling.agent.artifact;

import dev.kindling.agent.s3.FullObjectChecksum;
import dev.kindling.agent.s3.S3Clients;
import dev.kindling.agent.s3.S3FetchSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * A real S3-compatible server for tests and benchmarks: s3proxy with its filesystem store in a directory, no
 * authorization, on a random port of 127.0.0.1, spoken to with path-style addressing. What it does and does not do
 * like S3 (seen with s3proxy 4.1): ETags are the MD5 of a single-part upload and the MD5 of the parts' MD5s
 * ("-N") of a multipart one; Range and If-Match work; HeadObject with partNumber answers 501; a checksum sent as a
 * request header (x-amz-checksum-sha256, -crc32, ...) is validated, kept and returned by HeadObject with checksum
 * mode on, while one sent in an aws-chunked trailer is accepted but dropped.
 */
public final class LocalS3 implements AutoCloseable {

    private final S3Proxy proxy;
    private final URI endpoint;
    private final S3Client client;

    private LocalS3(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.client = newClient(S3FetchSettings.DEFAULTS);
    }

    /** Starts a server whose objects live under {@code dir}. */
    public static LocalS3 start(Path dir) throws Exception {
        Files.createDirectories(dir);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(dir.toString()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.NONE, null, null)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IOException("s3proxy did not start within 20 s (state " + proxy.getState() + ")");
            }
            Thread.sleep(10);
        }
        return new LocalS3(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A client for uploading test data. */
    public S3Client client() {
        return client;
    }

    /** A client configured as the agent's ({@link S3Clients}), for this server or another endpoint in front of it. */
    public S3Client newClient(S3FetchSettings settings, ExecutionInterceptor... interceptors) {
        return newClient(endpoint, settings, interceptors);
    }

    /** A client configured as the agent's for any endpoint, such as a fault proxy in front of this server. */
    public static S3Client newClient(URI endpoint, S3FetchSettings settings, ExecutionInterceptor... interceptors) {
        return S3Clients.builder(settings, interceptors).endpointOverride(endpoint).forcePathStyle(true)
                .region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create()).build();
    }

    public void createBucket(String bucket) {
        client.createBucket(b -> b.bucket(bucket));
    }

    /** Uploads an object in one part; its ETag is the MD5 of its bytes. */
    public ObjectVersion put(String bucket, String key, byte[] bytes) {
        return put(PutObjectRequest.builder().bucket(bucket).key(key), bytes);
    }

    /** Uploads an object with a full-object checksum in a header, which the server checks, keeps and reports. */
    public ObjectVersion put(String bucket, String key, byte[] bytes, FullObjectChecksum.Algorithm algorithm) {
        String value = FullObjectChecksum.of(algorithm, bytes).base64();
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(key);
        switch (algorithm) {
            case SHA256 -> b.checksumSHA256(value);
            case SHA512 -> b.checksumSHA512(value);
            case SHA1 -> b.checksumSHA1(value);
            case CRC64NVME -> b.checksumCRC64NVME(value);
            case CRC32C -> b.checksumCRC32C(value);
            case CRC32 -> b.checksumCRC32(value);
        }
        return put(b, bytes);
    }

    private ObjectVersion put(PutObjectRequest.Builder request, byte[] bytes) {
        PutObjectRequest r = request.contentType("application/octet-stream").build();
        PutObjectResponse response = client.putObject(r, RequestBody.fromBytes(bytes));
        return new ObjectVersion(r.bucket(), r.key(), bytes.length, response.eTag());
    }

    /** Uploads an object in parts of {@code partBytes} (the last one shorter); its ETag is a multipart ETag. */
    public ObjectVersion putMultipart(String bucket, String key, byte[] bytes, int partBytes) {
        String upload = client.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int i = 0, n = 1; i < bytes.length; i += partBytes, n++) {
            int number = n;
            byte[] part = Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + partBytes));
            String eTag = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(upload).partNumber(number),
                    RequestBody.fromBytes(part)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
        }
        String eTag = client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload)
                .multipartUpload(m -> m.parts(parts))).eTag();
        return new ObjectVersion(bucket, key, bytes.length, eTag);
    }

    @Override
    public void close() throws Exception {
        client.close();
        proxy.stop();
    }

    /** Counts the S3 operations a client issues ("GetObject", "HeadObject", "ListObjectsV2", ...). */
    public static final class Calls implements ExecutionInterceptor {
        private final List<String> operations = new CopyOnWriteArrayList<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            operations.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        }

        public long count(String operation) {
            return operations.stream().filter(operation::equals).count();
        }

        public void clear() {
            operations.clear();
        }

        @Override
        public String toString() {
            return operations.toString();
        }
    }
}
