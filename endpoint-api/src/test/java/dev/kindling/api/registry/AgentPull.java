package dev.kindling.api.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** An image pulled from the embedded registry as an instance agent pulls it, every blob's bytes checked. */
final class AgentPull {

    /** Small chunks, so every blob over 64 KiB is fetched as several ranged GETs. */
    static final FetchSettings SMALL_CHUNKS = new FetchSettings(64 * 1024, 2, 2, Duration.ofSeconds(30));

    private AgentPull() {}

    /** Pulls {@code host/repositoryAndReference} into a new store under {@code scratch}; returns the manifest. */
    static Manifest pullAndVerify(String host, String repositoryAndReference, Path scratch) throws IOException {
        ImageReference ref = ImageReference.parse(host + "/" + repositoryAndReference);
        try (RegistryClient c = RegistryClient.forReference(ref, RegistryCredentials.anonymous(), Duration.ofSeconds(30));
             BlobFetcher f = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest m = c.pullManifest(ref);
            BlobStore local = new BlobStore(Files.createTempDirectory(Files.createDirectories(scratch), "agent-"));
            f.fetch(c, ref.repository(), m.blobs(), local, d -> { });
            for (Descriptor d : m.blobs()) {
                assertThat(TestLayout.digestOf(Files.readAllBytes(local.path(d.digest())))).as("blob %s", d.digest())
                        .isEqualTo(d.digest());
            }
            return m;
        }
    }
}
