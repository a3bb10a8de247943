package dev.kindling.agent.cache.peer;

import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.Peer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * GETs from a peer's agent API with the endpoint's peer token, and copies an answer into a file while it is verified.
 * A peer is another instance that may be busy or gone: it gets a short connect timeout, and a read timeout that
 * applies to every read, so a peer that stalls mid-transfer is given up on and the next tier tried.
 */
public final class PeerClient {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Duration connectTimeout;
    private final Duration readTimeout;

    public PeerClient() {
        this(CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    public PeerClient(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** A peer's answer; its body (for 200) must be read or the answer aborted, then closed. */
    static final class Answer implements AutoCloseable {
        private final HttpURLConnection connection;
        final int status;
        final long length;
        private final InputStream body;
        private boolean aborted;

        private Answer(HttpURLConnection connection, int status, long length, InputStream body) {
            this.connection = connection;
            this.status = status;
            this.length = length;
            this.body = body;
        }

        InputStream body() {
            return body;
        }

        /** The body will not be read to its end: drop the connection rather than return it to the pool. */
        void abort() {
            aborted = true;
        }

        @Override
        public void close() {
            try {
                if (body != null) body.close();
            } catch (IOException ignored) {
                // the connection is dropped below
            }
            if (aborted) connection.disconnect();
        }
    }

    /** GETs {@code pathAndQuery} from the peer; throws on a connection failure or timeout. */
    Answer get(Peer peer, String pathAndQuery, String token) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(peer.agentUrl()).resolve(pathAndQuery).toURL().openConnection();
        c.setConnectTimeout((int) connectTimeout.toMillis());
        c.setReadTimeout((int) readTimeout.toMillis());
        c.setUseCaches(false);
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty(AgentPaths.AUTHORIZATION, AgentPaths.bearer(token));
        int status;
        try {
            status = c.getResponseCode();
        } catch (IOException e) {
            c.disconnect();
            throw e;
        }
        if (status != 200) {
            try (InputStream error = c.getErrorStream()) {
                if (error != null) error.transferTo(OutputStream.nullOutputStream()); // so the connection can be reused
            } catch (IOException ignored) {
                // nothing to reuse then
            }
            return new Answer(c, status, -1, null);
        }
        return new Answer(c, status, c.getContentLengthLong(), c.getInputStream());
    }

    /**
     * Copies an answer's body into {@code file}, reads paced by the instance's network and writes by its disk,
     * handing every byte to {@code verify}; reads at most one byte more than {@code expected}, so an answer too long
     * is seen without reading all of it. Returns the bytes read.
     */
    static long copy(InputStream body, Path file, long expected, Consumer<ByteBuffer> verify, InstanceThroughput throughput)
            throws IOException {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try (InputStream in = throughput.network().pace(body);
             OutputStream out = throughput.disk().pace(Files.newOutputStream(file))) {
            int n;
            while (total <= expected && (n = in.read(buffer, 0, (int) Math.min(buffer.length, expected + 1 - total))) > 0) {
                verify.accept(ByteBuffer.wrap(buffer, 0, n));
                out.write(buffer, 0, n);
                total += n;
            }
        }
        return total;
    }
}
