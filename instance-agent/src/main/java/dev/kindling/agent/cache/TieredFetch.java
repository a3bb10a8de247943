package dev.kindling.agent.cache;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchReport;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves an image's blobs through the tiers in order: the instance's own store, then each image cache, then the
 * registry. A tier that misses or fails hands the blob to the next; only the registry failing fails the pull,
 * with a reason naming the image and the blob. Reports hits and bytes per tier, the tier and time of each blob,
 * every fallback with its cause, and the faults cache tiers found in themselves ({@link TierReport}, which models
 * share).
 */
public final class TieredFetch {

    public static final String LOCAL = "local";
    public static final String REGISTRY = "registry";

    private final List<ImageCache> caches;
    private final BlobFetcher registry;

    public TieredFetch(List<ImageCache> caches, BlobFetcher registry) {
        this.caches = List.copyOf(caches);
        this.registry = registry;
    }

    public TierReport fetch(RegistryClient client, String image, String repository, List<Descriptor> blobs, BlobStore store) {
        return fetch(client, image, repository, blobs, store, d -> { });
    }

    /** Fetches, telling {@code listener} of each blob: a hit is landed and ready at once, a registry blob as it arrives. */
    public TierReport fetch(RegistryClient client, String image, String repository, List<Descriptor> blobs, BlobStore store,
                            BlobFetcher.Listener listener) {
        List<String> names = new ArrayList<>();
        names.add(LOCAL);
        caches.forEach(c -> names.add(c.name()));
        names.add(REGISTRY);
        TierReport.Tally tally = new TierReport.Tally(CopyStartup.IMAGE, names);
        List<Descriptor> remaining = new ArrayList<>();
        for (Descriptor blob : blobs) {
            if (store.contains(blob.digest())) {
                tally.hit(LOCAL, blob.size());
                tally.source(blob.digest().toString(), blob.size(), LOCAL, 0);
                listener.landed(blob.size());
                listener.ready(blob);
                continue;
            }
            boolean found = false;
            for (ImageCache cache : caches) {
                long started = System.nanoTime();
                ImageCache.Outcome outcome = cache.provide(blob, store);
                tally.faults(outcome.faults());
                if (outcome instanceof ImageCache.Outcome.Hit hit) {
                    tally.hit(cache.name(), hit.bytes());
                    tally.source(blob.digest().toString(), hit.bytes(), cache.name(), System.nanoTime() - started);
                    listener.landed(hit.bytes());
                    listener.ready(blob);
                    found = true;
                    break;
                }
                if (outcome instanceof ImageCache.Outcome.Failed failed) {
                    tally.fallback(failed.reason());
                }
            }
            if (!found) remaining.add(blob);
        }
        if (!remaining.isEmpty()) {
            long started = System.nanoTime();
            Map<Digest, Long> readyAt = new ConcurrentHashMap<>();
            BlobFetcher.Listener timing = new BlobFetcher.Listener() {
                @Override
                public void ready(Descriptor blob) {
                    readyAt.putIfAbsent(blob.digest(), System.nanoTime());
                    listener.ready(blob);
                }

                @Override
                public void landed(long bytes) {
                    listener.landed(bytes);
                }

                @Override
                public void prefix(Descriptor blob, long bytes) {
                    listener.prefix(blob, bytes);
                }
            };
            try {
                FetchReport r = registry.fetch(client, repository, remaining, store, timing);
                tally.hits(REGISTRY, r.blobsFetched(), r.bytesFetched() + r.bytesResumed());
            } catch (RegistryException e) {
                throw new RegistryException("image " + image + ": no tier could provide its blobs; the registry failed: "
                        + e.getMessage(), e.status(), e);
            }
            long ended = System.nanoTime();
            remaining.stream().sorted(java.util.Comparator.comparingLong(b -> readyAt.getOrDefault(b.digest(), ended)))
                    .forEach(b -> tally.source(b.digest().toString(), b.size(), REGISTRY,
                            readyAt.getOrDefault(b.digest(), ended) - started));
        }
        return tally.report();
    }
}
