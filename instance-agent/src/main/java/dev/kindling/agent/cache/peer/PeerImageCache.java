package dev.kindling.agent.cache.peer;

import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * The peer tier for image blobs: asks the endpoint's other instances in turn (from the blob's own offset) for a blob,
 * streams the answer into a scratch file while hashing it, and publishes it into the store only if it matches its
 * digest. A peer that does not hold it (404) hands over to the next; a corrupt answer is a {@code corrupt} fault of
 * the peer tier and the next peer is asked. With no peer token granted or no peers, it misses at once.
 */
public final class PeerImageCache implements ImageCache {

    /** The tier's name in reports. */
    public static final String TIER = "peer";

    private final EndpointPeers peers;
    private final Supplier<String> token;
    private final PeerClient client;
    private final InstanceThroughput throughput;

    public PeerImageCache(EndpointPeers peers, Supplier<String> token, PeerClient client, InstanceThroughput throughput) {
        this.peers = peers;
        this.token = token;
        this.client = client;
        this.throughput = throughput;
    }

    @Override
    public String name() {
        return TIER;
    }

    @Override
    public Outcome provide(Descriptor blob, BlobStore store) {
        String peerToken = token.get();
        if (peerToken == null) return new Outcome.Miss();
        String digest = blob.digest().toString();
        PeerRound.Result r = PeerRound.ask(peers, client, peerToken, digest, AgentPaths.peerBlob(digest), CopyStartup.IMAGE,
                digest, answer -> {
                    if (answer.length >= 0 && answer.length != blob.size()) {
                        answer.abort();
                        return new PeerRound.Landed.Corrupt("sent Content-Length " + answer.length + " for a blob of "
                                + blob.size() + " bytes");
                    }
                    Path scratch = store.scratchFor(blob.digest());
                    try {
                        MessageDigest sha = Hashes.sha256();
                        long bytes = PeerClient.copy(answer.body(), scratch, blob.size(), sha::update, throughput);
                        if (bytes != blob.size()) return PeerRound.wrongLength(answer, bytes, blob.size(), "a blob");
                        Digest actual = Digest.of(sha.digest());
                        if (!actual.equals(blob.digest())) {
                            return new PeerRound.Landed.Corrupt("sent " + bytes + " bytes hashing to " + actual);
                        }
                        store.publish(blob.digest(), scratch);
                        return new PeerRound.Landed.Verified(bytes);
                    } finally {
                        PeerRound.deleteScratch(scratch);
                    }
                });
        if (r.hit()) return new Outcome.Hit(r.hitBytes(), r.faults());
        if (r.failures().isEmpty()) return new Outcome.Miss(r.faults());
        return new Outcome.Failed("no peer could provide blob " + digest + ": " + String.join("; ", r.failures()), r.faults());
    }
}
