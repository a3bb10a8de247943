package dev.kindling.agent.cache.peer;

import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One round of asking an endpoint's peers for one blob or object, in turn, as both peer tiers do: a peer that does
 * not hold it (404) hands over to the next; an answer that does not verify is a {@code corrupt} fault of the peer
 * tier and the next peer is asked; a peer that fails is marked so the next rounds ask it later.
 */
final class PeerRound {

    private PeerRound() {}

    /** How landing one peer's answer went. */
    sealed interface Landed {
        /** Verified and kept. */
        record Verified(long bytes) implements Landed {}

        /** The answer does not match what was asked for. */
        record Corrupt(String why) implements Landed {}

        /** Nothing any peer sends could be checked: the round stops. */
        record Unverifiable(String why) implements Landed {}
    }

    /** Lands one answer's body (into a scratch file it deletes unless kept) and says how it went. */
    @FunctionalInterface
    interface Landing {
        Landed land(PeerClient.Answer answer) throws IOException;
    }

    /**
     * How the round ended.
     *
     * @param hitBytes the bytes a peer provided, or -1
     * @param stoppedBecause why the round stopped before asking every peer, or null
     */
    record Result(long hitBytes, String stoppedBecause, List<CacheFault> faults, List<String> failures) {
        boolean hit() {
            return hitBytes >= 0;
        }
    }

    /**
     * @param key what the peers are ordered by (each blob starts at its own peer, so load spreads)
     * @param artifact {@code image} or {@code model}, and {@code id} the blob's digest or object's URI, for faults
     */
    static Result ask(EndpointPeers peers, PeerClient client, String token, String key, String path, String artifact,
                      String id, Landing landing) {
        List<CacheFault> faults = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Peer peer : peers.order(key)) {
            try (PeerClient.Answer answer = client.get(peer, path, token)) {
                if (answer.status == 404) {
                    peers.answered(peer);
                    continue;
                }
                if (answer.status != 200) {
                    peers.failed(peer);
                    failures.add(peer.instanceId() + " answered HTTP " + answer.status);
                    continue;
                }
                switch (landing.land(answer)) {
                    case Landed.Verified v -> {
                        peers.answered(peer);
                        return new Result(v.bytes(), null, faults, failures);
                    }
                    case Landed.Unverifiable u -> {
                        peers.answered(peer);
                        return new Result(-1, u.why(), faults, failures);
                    }
                    case Landed.Corrupt c -> {
                        peers.failed(peer);
                        String detail = "peer " + peer.instanceId() + " (" + peer.agentUrl() + ") " + c.why();
                        faults.add(new CacheFault(artifact, PeerImageCache.TIER, CacheFault.CORRUPT, id, null, detail));
                        failures.add(detail);
                    }
                }
            } catch (IOException e) {
                peers.failed(peer);
                failures.add(peer.instanceId() + " (" + peer.agentUrl() + "): " + e);
            }
        }
        return new Result(-1, null, faults, failures);
    }

    /** The bytes a peer sent did not number what was asked for: says how, after dropping the connection. */
    static Landed wrongLength(PeerClient.Answer answer, long bytes, long size, String what) {
        answer.abort();
        return new Landed.Corrupt("sent " + (bytes > size ? "more than " : "") + bytes + " bytes of " + what + " of " + size);
    }

    static void deleteScratch(Path scratch) {
        if (scratch == null) return;
        try {
            Files.deleteIfExists(scratch);
        } catch (IOException ignored) {
            // only scratch; the stores delete leftovers when they open
        }
    }
}
