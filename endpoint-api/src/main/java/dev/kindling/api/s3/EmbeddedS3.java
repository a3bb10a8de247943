package dev.kindling.api.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible store in the control plane's JVM (s3proxy over a directory), so the embedded default has a real
 * S3 to download model artifacts from: buckets are directories, objects files, ETags the MD5 of what was uploaded.
 * It asks for no credentials, so it listens on loopback only by default; upload with any S3 client, or with curl
 * ({@code curl -X PUT --data-binary @model.tar.gz http://127.0.0.1:9000/models/llm/model.tar.gz}).
 */
public final class EmbeddedS3 implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);

    private final S3Proxy proxy;
    private final URI endpoint;

    private EmbeddedS3(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    /** Starts the store on {@code host:port} (port 0: any free port), keeping objects under {@code dataDirectory}. */
    public static EmbeddedS3 start(String host, int port, Path dataDirectory) {
        S3Proxy proxy = null;
        try {
            Files.createDirectories(dataDirectory);
            proxy = S3Proxy.builder()
                    .blobStore(new FilesystemNio2BlobStore(dataDirectory.toString()))
                    .endpoint(URI.create("http://" + host + ":" + port))
                    .awsAuthentication(AuthenticationType.NONE, null, null)
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!"STARTED".equals(proxy.getState())) {
                if ("FAILED".equals(proxy.getState()) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the embedded S3 store did not start on " + host + ":" + port
                            + " (state " + proxy.getState() + "); is the port in use? Set kindling.s3.embedded.port");
                }
                Thread.sleep(10);
            }
            URI endpoint = URI.create("http://" + host + ":" + proxy.getPort());
            log.atInfo().addKeyValue("endpoint", endpoint).addKeyValue("directory", dataDirectory)
                    .log("Embedded S3 store started");
            return new EmbeddedS3(proxy, endpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the embedded S3 store's directory " + dataDirectory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopQuietly(proxy);
            throw new IllegalStateException("interrupted while starting the embedded S3 store", e);
        } catch (RuntimeException e) {
            stopQuietly(proxy);
            throw e;
        } catch (Exception e) {
            stopQuietly(proxy);
            throw new IllegalStateException("the embedded S3 store did not start on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** A store that failed to start must not keep its port. */
    private static void stopQuietly(S3Proxy proxy) {
        if (proxy == null) return;
        try {
            proxy.stop();
        } catch (Exception e) {
            log.atWarn().log("Stopping the embedded S3 store after a failed start failed: {}", e.toString());
        }
    }

    /** Where agents and users reach it ({@code http://127.0.0.1:9000}). */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            log.atWarn().log("Stopping the embedded S3 store failed: {}", e.toString());
        }
    }
}
