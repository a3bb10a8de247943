package dev.kindling.agent.cache.peer;

import dev.kindling.agent.cache.ImageCache;
import dev.kindling.agent.internal.Hashes;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.Peer;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
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
        List<Peer> order = peers.order(blob.digest().toString());
        List<CacheFault> faults = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Peer peer : order) {
            Path scratch = null;
            try (PeerClient.Answer answer = client.get(peer, AgentPaths.peerBlob(blob.digest().toString()), peerToken)) {
                if (answer.status == 404) {
                    peers.answered(peer);
                    continue;
                }
                if (answer.status != 200) {
                    peers.failed(peer);
                    failures.add(peer.instanceId() + " answered HTTP " + answer.status);
                    continue;
                }
                String corrupt = null;
                if (answer.length >= 0 && answer.length != blob.size()) {
                    answer.abort();
                    corrupt = "sent Content-Length " + answer.length + " for a blob of " + blob.size() + " bytes";
                } else {
                    scratch = store.scratchFor(blob.digest());
                    MessageDigest sha = Hashes.sha256();
                    long bytes = PeerClient.copy(answer.body(), scratch, blob.size(), sha::update, throughput);
                    Digest actual = Digest.of(sha.digest());
                    if (bytes != blob.size()) {
                        answer.abort();
                        corrupt = "sent " + (bytes > blob.size() ? "more than " : "") + bytes + " bytes of a blob of " + blob.size();
                    } else if (!actual.equals(blob.digest())) {
                        corrupt = "sent " + bytes + " bytes hashing to " + actual;
                    } else {
                        store.publish(blob.digest(), scratch);
                        peers.answered(peer);
                        return new Outcome.Hit(bytes, faults);
                    }
                }
                peers.failed(peer);
                String detail = "peer " + peer.instanceId() + " (" + peer.agentUrl() + ") " + corrupt;
                faults.add(new CacheFault(CopyStartup.IMAGE, TIER, CacheFault.CORRUPT, blob.digest().toString(), null, detail));
                failures.add(detail);
            } catch (IOException e) {
                peers.failed(peer);
                failures.add(peer.instanceId() + " (" + peer.agentUrl() + "): " + e);
            } finally {
                if (scratch != null) {
                    try {
                        Files.deleteIfExists(scratch);
                    } catch (IOException ignored) {
                        // only scratch; the store deletes leftovers when it opens
                    }
                }
            }
        }
        if (failures.isEmpty()) return new Outcome.Miss(faults);
        return new Outcome.Failed("no peer could provide blob " + blob.digest() + ": " + String.join("; ", failures), faults);
    }
}
