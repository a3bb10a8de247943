package dev.kindling.agent.cache.peer;

import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.s3.ObjectIntegrity;
import dev.kindling.agent.s3.ObjectVerifier;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The peer tier for model objects: as {@link PeerImageCache}, asking for one object version (S3 URI and ETag) and
 * checking the answer against the ETag while it streams. An object whose ETag cannot verify bytes (encrypted with
 * KMS) is not asked for: nothing could tell a peer's copy is right.
 */
public final class PeerArtifactCache implements ArtifactCache {

    private final EndpointPeers peers;
    private final Supplier<String> token;
    private final PeerClient client;
    private final InstanceThroughput throughput;

    public PeerArtifactCache(EndpointPeers peers, Supplier<String> token, PeerClient client, InstanceThroughput throughput) {
        this.peers = peers;
        this.token = token;
        this.client = client;
        this.throughput = throughput;
    }

    @Override
    public String name() {
        return PeerImageCache.TIER;
    }

    @Override
    public Outcome provide(ObjectVersion object, Path target) {
        String peerToken = token.get();
        if (peerToken == null) return new Outcome.Miss();
        ObjectIntegrity integrity = ObjectIntegrity.fromETag(object);
        if (integrity.eTag() instanceof ObjectIntegrity.ETagCheck.Opaque) return new Outcome.Miss();
        String id = object.uri().toString();
        String path = AgentPaths.PEER_OBJECT + "?uri=" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                + "&etag=" + URLEncoder.encode(object.eTag(), StandardCharsets.UTF_8);
        PeerRound.Result r = PeerRound.ask(peers, client, peerToken, id, path, CopyStartup.MODEL, id, answer -> {
            if (answer.length >= 0 && answer.length != object.size()) {
                answer.abort();
                return new PeerRound.Landed.Corrupt("sent Content-Length " + answer.length + " for an object of "
                        + object.size() + " bytes");
            }
            Files.createDirectories(target.getParent());
            // A scratch file of its own, named as the artifact store expects, which deletes leftovers at open.
            Path partial = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".copying");
            try {
                ObjectVerifier verifier = integrity.verifier();
                long bytes = PeerClient.copy(answer.body(), partial, object.size(), verifier::update, throughput);
                if (bytes != object.size()) return PeerRound.wrongLength(answer, bytes, object.size(), "an object");
                ObjectVerifier.Verdict v = verifier.finish();
                if (v.verified()) {
                    FileTrees.move(partial, target);
                    return new PeerRound.Landed.Verified(bytes);
                }
                // Unverifiable (no part size fits the ETag): no peer's copy could be checked either.
                if (v.failure() != ArtifactException.Code.CORRUPT) return new PeerRound.Landed.Unverifiable(v.detail());
                return new PeerRound.Landed.Corrupt("sent bytes that do not match the ETag: it " + v.detail());
            } finally {
                PeerRound.deleteScratch(partial);
            }
        });
        if (r.hit()) return new Outcome.Hit(r.hitBytes(), r.faults());
        if (r.stoppedBecause() != null) {
            return new Outcome.Failed("peer copies of " + id + " cannot be verified: it " + r.stoppedBecause(), r.faults());
        }
        if (r.failures().isEmpty()) return new Outcome.Miss(r.faults());
        return new Outcome.Failed("no peer could provide " + id + ": " + String.join("; ", r.failures()), r.faults());
    }
}
