package dev.kindling.api.registry;

import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchReport;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.api.registry.internal.ManifestDocument;
import dev.kindling.api.registry.internal.OciLayout;
import dev.kindling.api.service.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies an image into the embedded registry and tags it: from an OCI image layout (the manifest, or an index
 * with every manifest it names, and all their blobs) or from another registry (its linux/amd64 manifest and
 * blobs, fetched by the agent's own client). Every byte is checked against its digest on the way in, and the
 * tag is written last, so an import that fails leaves no tag pointing at a partial image.
 */
public final class ImageImporter {

    private static final Logger log = LoggerFactory.getLogger(ImageImporter.class);

    private final RegistryStore store;
    private final Duration requestTimeout;
    private final FetchSettings fetchSettings;
    /** A fetch assembles each blob in a partial file named by its digest; two fetches at once could share one. */
    private final ReentrantLock registryImports = new ReentrantLock();

    /**
     * @param requestTimeout longest one manifest or token request to a source registry may take
     * @param fetchSettings how blobs are fetched from a source registry (chunks, parallelism, retries)
     */
    public ImageImporter(RegistryStore store, Duration requestTimeout, FetchSettings fetchSettings) {
        this.store = store;
        this.requestTimeout = requestTimeout;
        this.fetchSettings = fetchSettings;
    }

    /**
     * Imports {@code source} as {@code target}. Refuses with an ApiException: VALIDATION naming {@code source}
     * for a layout that is missing, malformed, lacks the ref or holds a corrupt blob; NOT_FOUND when a source
     * registry has no such image; UPSTREAM_FAILED when a source registry fails.
     *
     * @param credentials for a source registry that asks for them (ignored for a layout)
     */
    public ImportedImage importImage(ImportSource source, ImageName target, RegistryCredentials credentials) {
        long started = System.nanoTime();
        ImportedImage imported = switch (source) {
            case ImportSource.Layout layout -> fromLayout(layout, target, started);
            case ImportSource.Registry registry -> fromRegistry(registry.reference(), target, credentials, started);
        };
        log.atInfo().addKeyValue("image", target).addKeyValue("source", source).addKeyValue("digest", imported.digest())
                .addKeyValue("bytesCopied", imported.bytesCopied())
                .log("Imported {} blobs ({} bytes) in {} s", imported.blobs(), imported.bytes(), imported.seconds());
        return imported;
    }

    /** What an import gathered: the blobs and the manifests (children first), all in the store. */
    private static final class Gathered {
        final Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        final List<Descriptor> manifests = new ArrayList<>();
        long bytesCopied;

        boolean hasManifest(Digest d) {
            return manifests.stream().anyMatch(m -> m.digest().equals(d));
        }

        ImportedImage result(ImageName target, long started) {
            Descriptor top = manifests.getLast();
            return new ImportedImage(target.repository(), target.tag(), top.digest().toString(), top.mediaType(),
                    blobs.size(), blobs.values().stream().mapToLong(Descriptor::size).sum(), bytesCopied,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    // ------------------------------------------------------------------------------------------ OCI layout

    private ImportedImage fromLayout(ImportSource.Layout source, ImageName target, long started) {
        Gathered gathered = new Gathered();
        try {
            OciLayout layout;
            try {
                layout = OciLayout.open(source.directory());
            } catch (IOException e) {
                throw new IllegalArgumentException("names " + source.directory().toAbsolutePath() + ", which cannot be read: " + e);
            }
            copyManifest(layout, layout.select(source.refName()).descriptor(), gathered, 0);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("source", e.getMessage());
        }
        try {
            store.publish(target.repository(), target.tag(), gathered.blobs.values(), gathered.manifests);
        } catch (IOException e) {
            throw new UncheckedIOException("tagging " + target + " after importing " + source, e);
        }
        return gathered.result(target, started);
    }

    /** Copies a manifest after everything it references, so the store never holds one whose content is missing. */
    private void copyManifest(OciLayout layout, Descriptor d, Gathered gathered, int depth) {
        if (gathered.hasManifest(d.digest())) return;
        if (depth > RegistryStore.MAX_INDEX_DEPTH) {
            throw new IllegalArgumentException("names " + layout.root() + ", whose indexes nest deeper than "
                    + RegistryStore.MAX_INDEX_DEPTH + " levels");
        }
        Path file = layout.blob(d.digest());
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("names " + layout.root() + ", which lacks manifest " + d.digest());
            }
            if (Files.size(file) > ManifestDocument.MAX_BYTES) {
                throw new IllegalArgumentException("names " + layout.root() + ", whose manifest " + d.digest() + " is "
                        + Files.size(file) + " bytes, more than any manifest");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("names " + layout.root() + ", whose manifest " + d.digest() + " cannot be read: " + e);
        }
        Digest actual = Digest.of(RegistryStore.sha256().digest(bytes));
        if (!actual.equals(d.digest()) || (d.size() >= 0 && d.size() != bytes.length)) {
            throw new IllegalArgumentException("names " + layout.root() + ", whose manifest " + d.digest()
                    + " is corrupt: its " + bytes.length + " bytes hash to " + actual);
        }
        ManifestDocument doc;
        try {
            doc = ManifestDocument.parse(bytes, d.mediaType().isEmpty() ? null : d.mediaType());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("names " + layout.root() + ", whose manifest " + d.digest() + " " + e.getMessage());
        }
        for (Descriptor child : doc.manifests()) copyManifest(layout, child, gathered, depth + 1);
        for (Descriptor blob : doc.blobs()) copyBlob(layout, blob, gathered);
        try {
            gathered.manifests.add(store.writeBlob(doc.mediaType(), bytes, d.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("storing manifest " + d.digest(), e);
        }
    }

    private void copyBlob(OciLayout layout, Descriptor d, Gathered gathered) {
        if (gathered.blobs.containsKey(d.digest())) return;
        if (!store.blobs().contains(d.digest())) {
            Path file = layout.blob(d.digest());
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("names " + layout.root() + ", which lacks blob " + d.digest()
                        + " (" + d.mediaType() + ")");
            }
            try (RegistryStore.BlobWriter w = store.newBlob()) {
                try (InputStream in = Files.newInputStream(file)) {
                    in.transferTo(w.stream());
                } catch (IOException e) {
                    throw new IllegalArgumentException("names " + layout.root() + ", whose blob " + d.digest()
                            + " cannot be read: " + e);
                }
                w.commit(d.mediaType(), d.digest(), d.size());
            } catch (DistributionException e) {
                throw new IllegalArgumentException("names " + layout.root() + ", whose blob " + d.digest() + " is corrupt: "
                        + e.getMessage().replaceFirst("^invalid digest '[^']*': ", ""));
            } catch (IOException e) {
                throw new UncheckedIOException("storing blob " + d.digest(), e);
            }
            gathered.bytesCopied += d.size();
        }
        gathered.blobs.put(d.digest(), d);
    }

    // ------------------------------------------------------------------------------------ another registry

    private ImportedImage fromRegistry(ImageReference ref, ImageName target, RegistryCredentials credentials, long started) {
        registryImports.lock();
        try (RegistryClient client = RegistryClient.forReference(ref, credentials, requestTimeout);
             BlobFetcher fetcher = new BlobFetcher(fetchSettings)) {
            RegistryClient.PulledManifest pulled;
            try {
                pulled = client.pullManifestWithBytes(ref);
            } catch (RegistryException e) {
                if (e.status() == 404) throw ApiException.notFound("source image", ref.toString(), e.getMessage());
                throw e;
            }
            Manifest m = pulled.manifest();
            FetchReport report = fetcher.fetch(client, ref.repository(), m.blobs(), store.blobs(), d -> { });
            fetcher.awaitDurable();
            Gathered gathered = new Gathered();
            m.blobs().forEach(b -> gathered.blobs.putIfAbsent(b.digest(), b));
            gathered.bytesCopied = report.bytesFetched();
            gathered.manifests.add(store.writeBlob(m.mediaType(), pulled.bytes(), m.digest()));
            store.publish(target.repository(), target.tag(), gathered.blobs.values(), gathered.manifests);
            return gathered.result(target, started);
        } catch (RegistryException e) {
            throw ApiException.upstreamFailed("importing " + ref + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("tagging " + target + " after importing " + ref, e);
        } finally {
            registryImports.unlock();
        }
    }
}
