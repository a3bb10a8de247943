package dev.kindling.agent.cache;

import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.FetchReport;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryException;
import dev.kindling.agent.store.BlobStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Resolves an image's blobs through the tiers in order: the instance's own store, then each image cache, then the
 * registry. A tier that misses or fails hands the blob to the next; only the registry failing fails the pull,
 * with a reason naming the image and the blob. Reports hits and bytes per tier, and every fallback with its cause.
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

    /** Hits and bytes of one tier. */
    public record TierStats(int hits, long bytes) {}

    /** Per tier, in resolution order, and the fallbacks that happened on the way. */
    public record Report(Map<String, TierStats> tiers, List<String> fallbacks) {}

    public Report fetch(RegistryClient client, String image, String repository, List<Descriptor> blobs, BlobStore store) {
        return fetch(client, image, repository, blobs, store, d -> { });
    }

    /** Fetches, telling {@code onReady} of each blob as soon as it is verified in the store (whichever tier it came from). */
    public Report fetch(RegistryClient client, String image, String repository, List<Descriptor> blobs, BlobStore store,
                        Consumer<Descriptor> onReady) {
        Map<String, TierStats> tiers = new LinkedHashMap<>();
        tiers.put(LOCAL, new TierStats(0, 0));
        caches.forEach(c -> tiers.put(c.name(), new TierStats(0, 0)));
        tiers.put(REGISTRY, new TierStats(0, 0));
        List<String> fallbacks = new ArrayList<>();
        List<Descriptor> remaining = new ArrayList<>();
        for (Descriptor blob : blobs) {
            if (store.contains(blob.digest())) {
                add(tiers, LOCAL, blob.size());
                onReady.accept(blob);
                continue;
            }
            boolean found = false;
            for (ImageCache cache : caches) {
                ImageCache.Outcome outcome = cache.provide(blob, store);
                if (outcome instanceof ImageCache.Outcome.Hit hit) {
                    add(tiers, cache.name(), hit.bytes());
                    onReady.accept(blob);
                    found = true;
                    break;
                }
                if (outcome instanceof ImageCache.Outcome.Failed failed) {
                    fallbacks.add(failed.reason());
                }
            }
            if (!found) remaining.add(blob);
        }
        if (!remaining.isEmpty()) {
            try {
                FetchReport r = registry.fetch(client, repository, remaining, store, onReady);
                tiers.put(REGISTRY, new TierStats(r.blobsFetched(), r.bytesFetched() + r.bytesResumed()));
            } catch (RegistryException e) {
                throw new RegistryException("image " + image + ": no tier could provide its blobs; the registry failed: "
                        + e.getMessage(), e.status(), e);
            }
        }
        return new Report(tiers, fallbacks);
    }

    private static void add(Map<String, TierStats> tiers, String tier, long bytes) {
        tiers.compute(tier, (k, s) -> new TierStats(s.hits() + 1, s.bytes() + bytes));
    }
}
