package dev.kindling.api.model;

import dev.kindling.api.model.Views.PlacementCandidateView;
import dev.kindling.api.model.Views.ResourcesView;
import dev.kindling.cache.placement.PlacementExplanation;
import dev.kindling.cache.placement.Resources;
import java.util.List;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A copy's placement explanation as stored in its {@code placement} column: in the API's own shape (resources as
 * the views show them), so what the explain API answers is what was decided, not re-derived.
 */
public final class PlacementJson {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private PlacementJson() {}

    /** The stored document. */
    public record StoredPlacement(String instanceId, String reason, Long neededBytes,
                                  List<PlacementCandidateView> candidates) {
        public StoredPlacement {
            candidates = candidates == null ? List.of() : List.copyOf(candidates);
        }
    }

    public static String write(PlacementExplanation e) {
        if (e == null) return null;
        return JSON.writeValueAsString(new StoredPlacement(e.instanceId(), e.reason(), e.neededBytes(),
                e.candidates().stream().map(c -> new PlacementCandidateView(c.instanceId(), c.fits(), c.whyNot(),
                        view(c.free()), c.warmBytes(), c.copiesOfComponent(), c.rank())).toList()));
    }

    public static StoredPlacement read(String json) {
        return json == null ? null : JSON.readValue(json, StoredPlacement.class);
    }

    private static ResourcesView view(Resources r) {
        return new ResourcesView(r.accelerators(), r.cpuCores(), r.memoryMb());
    }
}
