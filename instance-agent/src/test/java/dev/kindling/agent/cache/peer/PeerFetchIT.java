package dev.kindling.agent.cache.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer tiers against peers on real HTTP servers that serve, lack, corrupt or refuse: a blob or object is taken
 * only once it verifies, a corrupt answer is a fault of the peer tier and the next peer is asked, and with no token
 * or no peers nothing is asked at all.
 */
class PeerFetchIT {

    private static final String TOKEN = "tok";

    @TempDir
    Path dir;
    private final List<FakePeer> running = new ArrayList<>();
    private final AtomicReference<String> token = new AtomicReference<>(TOKEN);
    private final EndpointPeers peers = new EndpointPeers(Clock.systemUTC());
    private final AtomicLong networkBytes = new AtomicLong();
    private final AtomicLong diskBytes = new AtomicLong();
    private final InstanceThroughput throughput = new InstanceThroughput(networkBytes::addAndGet, diskBytes::addAndGet);
    private final PeerClient client = new PeerClient(Duration.ofSeconds(1), Duration.ofSeconds(5));
    private final byte[] layer = random(1, 200_000);
    private final Descriptor blob = new Descriptor("l", digest(layer), layer.length);
    private final byte[] weights = random(2, 150_000);
    private final ObjectVersion object = new ObjectVersion("models", "llm/weights.bin", weights.length, md5(weights));
    private BlobStore store;

    enum Mode { SERVES, LACKS, CORRUPTS, OVERSIZES, REFUSES }

    /** A peer's agent API that answers every peer request as its mode says, and counts them. */
    private final class FakePeer implements AutoCloseable {
        final HttpServer server;
        final Peer peer;
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<String> authorizations = new CopyOnWriteArrayList<>();

        FakePeer(String id, Mode mode) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
            server.createContext("/v1/peer/", ex -> answer(ex, mode));
            server.start();
            peer = new Peer(id, "http://127.0.0.1:" + server.getAddress().getPort());
            running.add(this);
        }

        private void answer(HttpExchange ex, Mode mode) throws IOException {
            requests.add(ex.getRequestURI().toString());
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body = ex.getRequestURI().getPath().startsWith("/v1/peer/blobs/") ? layer : weights;
            byte[] sent = switch (mode) {
                case SERVES -> body;
                case CORRUPTS -> random(99, body.length);
                case OVERSIZES -> java.util.Arrays.copyOf(body, body.length + 10);
                case LACKS, REFUSES -> null;
            };
            try (ex) {
                if (sent == null) {
                    ex.sendResponseHeaders(mode == Mode.LACKS ? 404 : 403, -1);
                    return;
                }
                ex.sendResponseHeaders(200, sent.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(sent);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Digest digest(byte[] b) {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void openStore() {
        store = new BlobStore(dir.resolve("store"));
    }

    @AfterEach
    void stopPeers() {
        running.forEach(FakePeer::close);
    }

    private ImageCache imageTier() {
        return new PeerImageCache(peers, token::get, client, throughput);
    }

    private ArtifactCache modelTier() {
        return new PeerArtifactCache(peers, token::get, client, throughput);
    }

    /** Lists the peers so that {@code first} is the one tried first for {@code id}. */
    private void listFirst(String id, FakePeer first, FakePeer second) {
        boolean firstAtZero = Math.floorMod(id.hashCode(), 2) == 0;
        peers.replace(firstAtZero ? List.of(first.peer, second.peer) : List.of(second.peer, first.peer));
        assertThat(peers.order(id).getFirst()).isEqualTo(first.peer);
    }

    @Test
    void aBlobIsTakenFromAPeerOnceItVerifiesWithTheTokenThroughTheInstancesLimits() throws IOException {
        FakePeer good = new FakePeer("ki-good", Mode.SERVES);
        peers.replace(List.of(good.peer));

        ImageCache.Outcome o = imageTier().provide(blob, store);

        assertThat(o).isEqualTo(new ImageCache.Outcome.Hit(layer.length));
        assertThat(Files.readAllBytes(store.path(blob.digest()))).isEqualTo(layer);
        assertThat(good.requests).containsExactly("/v1/peer/blobs/" + blob.digest());
        assertThat(good.authorizations).containsExactly("Bearer " + TOKEN);
        assertThat(networkBytes).hasValue(layer.length);
        assertThat(diskBytes).hasValue(layer.length);
    }

    @Test
    void aCorruptAnswerIsAFaultOfThePeerTierAndTheNextPeerServes() throws IOException {
        FakePeer corrupt = new FakePeer("ki-corrupt", Mode.CORRUPTS);
        FakePeer good = new FakePeer("ki-good", Mode.SERVES);
        listFirst(blob.digest().toString(), corrupt, good);

        ImageCache.Outcome o = imageTier().provide(blob, store);

        assertThat(o).isInstanceOf(ImageCache.Outcome.Hit.class);
        assertThat(o.faults()).singleElement().satisfies(f -> {
            assertThat(f.tier()).isEqualTo("peer");
            assertThat(f.kind()).isEqualTo(CacheFault.CORRUPT);
            assertThat(f.artifact()).isEqualTo("image");
            assertThat(f.id()).isEqualTo(blob.digest().toString());
            assertThat(f.generation()).isNull();
            assertThat(f.detail()).contains("ki-corrupt");
        });
        assertThat(Files.readAllBytes(store.path(blob.digest()))).isEqualTo(layer);
    }

    @Test
    void onlyCorruptPeersLeaveNothingInTheStore() throws IOException {
        FakePeer corrupt = new FakePeer("ki-corrupt", Mode.CORRUPTS);
        FakePeer longer = new FakePeer("ki-longer", Mode.OVERSIZES);
        peers.replace(List.of(corrupt.peer, longer.peer));

        ImageCache.Outcome o = imageTier().provide(blob, store);

        assertThat(o).isInstanceOf(ImageCache.Outcome.Failed.class);
        assertThat(o.faults()).extracting(CacheFault::kind).containsExactly(CacheFault.CORRUPT, CacheFault.CORRUPT);
        assertThat(o.faults()).extracting(CacheFault::detail).anySatisfy(d -> assertThat(d).contains("Content-Length"));
        assertThat(store.holds(blob.digest())).isFalse();
        try (var leftovers = Files.list(dir.resolve("store/partial"))) {
            assertThat(leftovers).as("no scratch file left").isEmpty();
        }
    }

    @Test
    void peersThatLackOrRefuseAHandOverToTheNext() throws IOException {
        FakePeer lacks = new FakePeer("ki-lacks", Mode.LACKS);
        FakePeer good = new FakePeer("ki-good", Mode.SERVES);
        listFirst(blob.digest().toString(), lacks, good);

        assertThat(imageTier().provide(blob, store)).isEqualTo(new ImageCache.Outcome.Hit(layer.length));
        assertThat(lacks.requests).hasSize(1);

        FakePeer refuses = new FakePeer("ki-refuses", Mode.REFUSES);
        peers.replace(List.of(lacks.peer, refuses.peer));
        ImageCache.Outcome none = imageTier().provide(new Descriptor("l", digest(weights), weights.length), store);
        assertThat(none).isInstanceOfSatisfying(ImageCache.Outcome.Failed.class,
                f -> assertThat(f.reason()).contains("ki-refuses answered HTTP 403"));
        assertThat(none.faults()).as("a refusal is not a corrupt cache").isEmpty();
    }

    @Test
    void withoutATokenOrPeersNothingIsAsked() throws IOException {
        FakePeer good = new FakePeer("ki-good", Mode.SERVES);
        peers.replace(List.of(good.peer));
        token.set(null);
        assertThat(imageTier().provide(blob, store)).isEqualTo(new ImageCache.Outcome.Miss());
        assertThat(modelTier().provide(object, dir.resolve("objects/w.verified"))).isEqualTo(new ArtifactCache.Outcome.Miss());
        assertThat(good.requests).isEmpty();

        token.set(TOKEN);
        peers.replace(List.of());
        assertThat(imageTier().provide(blob, store)).isEqualTo(new ImageCache.Outcome.Miss());
    }

    @Test
    void aPeerThatCannotBeReachedTwiceIsNotAskedAgainForAWhile() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        peers.replace(List.of(new Peer("ki-gone", "http://127.0.0.1:" + closedPort)));

        assertThat(imageTier().provide(blob, store)).isInstanceOf(ImageCache.Outcome.Failed.class);
        assertThat(imageTier().provide(blob, store)).isInstanceOf(ImageCache.Outcome.Failed.class);
        assertThat(imageTier().provide(blob, store)).as("sitting out: not even tried").isEqualTo(new ImageCache.Outcome.Miss());
    }

    @Test
    void aModelObjectIsTakenFromAPeerOnceItMatchesItsETag() throws IOException {
        FakePeer good = new FakePeer("ki-good", Mode.SERVES);
        peers.replace(List.of(good.peer));
        Path target = dir.resolve("objects/w.verified");

        ArtifactCache.Outcome o = modelTier().provide(object, target);

        assertThat(o).isEqualTo(new ArtifactCache.Outcome.Hit(weights.length));
        assertThat(Files.readAllBytes(target)).isEqualTo(weights);
        assertThat(good.requests).singleElement().asString()
                .isEqualTo("/v1/peer/objects?uri=s3%3A%2F%2Fmodels%2Fllm%2Fweights.bin&etag=" + object.eTag());
    }

    @Test
    void aCorruptModelObjectIsAFaultAndLeavesNoFile() throws IOException {
        FakePeer corrupt = new FakePeer("ki-corrupt", Mode.CORRUPTS);
        peers.replace(List.of(corrupt.peer));
        Path target = dir.resolve("objects/w.verified");

        ArtifactCache.Outcome o = modelTier().provide(object, target);

        assertThat(o).isInstanceOf(ArtifactCache.Outcome.Failed.class);
        assertThat(o.faults()).singleElement().satisfies(f -> {
            assertThat(f.tier()).isEqualTo("peer");
            assertThat(f.kind()).isEqualTo(CacheFault.CORRUPT);
            assertThat(f.artifact()).isEqualTo("model");
            assertThat(f.id()).isEqualTo("s3://models/llm/weights.bin");
        });
        try (var files = Files.list(dir.resolve("objects"))) {
            assertThat(files).as("neither the target nor a scratch file").isEmpty();
        }
    }

    @Test
    void anObjectWhoseETagCannotVerifyBytesIsNotAskedFor() throws IOException {
        FakePeer good = new FakePeer("ki-good", Mode.SERVES);
        peers.replace(List.of(good.peer));
        ObjectVersion opaque = new ObjectVersion("models", "llm/weights.bin", weights.length, "not-an-md5");

        assertThat(modelTier().provide(opaque, dir.resolve("objects/w.verified"))).isEqualTo(new ArtifactCache.Outcome.Miss());
        assertThat(good.requests).isEmpty();
    }
}
