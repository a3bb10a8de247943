package dev.kindling.api.service;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.api.model.PlacementJson;
import dev.kindling.api.model.StartupJson;
import dev.kindling.api.model.Views.BlobTierView;
import dev.kindling.api.model.Views.CopyPlacementView;
import dev.kindling.api.model.Views.TierTotalView;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.PlacedCopy;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.ListQuery;
import dev.kindling.db.store.Page;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * The explain API: why each copy of a component went where it went (as placement recorded it) and which cache tier
 * served each blob of its start (as its agent reported it).
 */
@Service
public class PlacementService {

    static final String NOT_RECORDED = "placement not recorded: the copy was placed before Kindling kept placement "
            + "explanations";

    private final InferenceComponentStore components;
    private final CopyStore copies;

    public PlacementService(InferenceComponentStore components, CopyStore copies) {
        this.components = components;
        this.copies = copies;
    }

    /** A page of the component's copies, by copy id; 404 for an unknown component. */
    public Mono<Page<CopyPlacementView>> placements(String component, ListQuery query) {
        return components.find(component)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("inference component", component)))
                .then(Mono.defer(() -> copies.listPlacements(component, query)))
                .map(page -> new Page<>(page.items().stream().map(PlacementService::view).toList(), page.nextToken()));
    }

    static CopyPlacementView view(PlacedCopy placed) {
        Copy c = placed.copy();
        PlacementJson.StoredPlacement p = PlacementJson.read(placed.placementJson());
        CopyStartup startup = StartupJson.read(c.startupJson());
        List<BlobTierView> blobs = startup == null ? List.of() : startup.blobs().stream()
                .map(b -> new BlobTierView(b.artifact(), b.id(), b.tier(), b.bytes(), b.seconds())).toList();
        return new CopyPlacementView(c.id(), c.instanceId(), c.status().name(), c.createdAt(),
                p == null ? null : p.reason(), p == null ? NOT_RECORDED : null, p == null ? null : p.neededBytes(),
                p == null ? List.of() : p.candidates(), blobs, totals(startup));
    }

    /**
     * Per artifact and tier, in the order first served: from the per-blob report when the agent sent one, else from
     * its per-tier counts (no times).
     */
    private static List<TierTotalView> totals(CopyStartup startup) {
        if (startup == null) return List.of();
        if (startup.blobs().isEmpty()) {
            return startup.tiers().stream()
                    .map(t -> new TierTotalView(t.artifact(), t.tier(), t.hits(), t.bytes(), null)).toList();
        }
        Map<List<String>, TierTotalView> sums = new LinkedHashMap<>();
        for (CopyStartup.BlobSource b : startup.blobs()) {
            sums.merge(List.of(String.valueOf(b.artifact()), String.valueOf(b.tier())),
                    new TierTotalView(b.artifact(), b.tier(), 1, b.bytes(), b.seconds()),
                    (x, y) -> new TierTotalView(x.artifact(), x.tier(), x.blobs() + 1, x.bytes() + y.bytes(),
                            x.seconds() + y.seconds()));
        }
        return new ArrayList<>(sums.values());
    }
}
