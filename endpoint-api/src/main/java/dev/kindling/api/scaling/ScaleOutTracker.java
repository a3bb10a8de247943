package dev.kindling.api.scaling;

import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.api.model.StartupJson;
import dev.kindling.db.model.ScalingEvent;
import dev.kindling.db.store.ScalingEventStore.EventCopy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Follows one scale-out from what the database says of the copies it placed: when each copy's new instance (if it
 * needed one) was asked for and ready, and when it had its image, model, healthy container and first request, and which cache tier served its
 * image and model. An event's phase time is when the n-th of its copies reached the phase (n = the copies it adds), so
 * a copy that failed and was replaced does not hold the event back, and the event completes when its n-th copy
 * served a request. Pure: the event, its rows and {@code now} in, the updated event out.
 */
public final class ScaleOutTracker {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What the event remembers of each of its copies, also after the copy is gone. */
    public record CopyPhases(String copyId, String instanceId, String status, Instant placedAt,
                             Instant instanceRequestedAt, Instant instanceReadyAt, Instant imageReadyAt, Instant modelReadyAt, Instant healthyAt, Instant firstServedAt,
                             String imageTier, String modelTier) {}

    private ScaleOutTracker() {}

    /**
     * @param supersededAt when a later scale-in of the component took copies back, or null
     * @param giveUpAfter how long after the decision an unfinished scale-out is declared Incomplete
     */
    public static ScalingEvent track(ScalingEvent e, List<EventCopy> copies, Instant supersededAt, Instant now,
                                     Duration giveUpAfter) {
        if (e.status() != ScalingEvent.Status.InProgress) return e;
        Map<String, CopyPhases> byId = new LinkedHashMap<>();
        for (CopyPhases p : readCopies(e.copiesJson())) {
            byId.put(p.copyId(), "Gone".equals(p.status()) || "Failed".equals(p.status()) ? p
                    : withStatus(p, "Gone"));
        }
        for (EventCopy c : copies) {
            byId.put(c.copyId(), phases(c, e.decidedAt(), byId.get(c.copyId())));
        }
        List<CopyPhases> all = new ArrayList<>(byId.values());
        int n = Math.max(1, e.added());

        // Instances matter only where copies waited for one: the first asked for, and when the last of them was ready.
        List<CopyPhases> onNew = all.stream().filter(p -> p.instanceRequestedAt() != null).toList();
        Instant requested = onNew.stream().map(CopyPhases::instanceRequestedAt).min(Comparator.naturalOrder()).orElse(null);
        Instant instanceReady = onNew.isEmpty() || onNew.stream().anyMatch(p -> p.instanceReadyAt() == null) ? null
                : onNew.stream().map(CopyPhases::instanceReadyAt).max(Comparator.naturalOrder()).orElseThrow();
        Instant image = nth(all, CopyPhases::imageReadyAt, n);
        Instant model = nth(all, CopyPhases::modelReadyAt, n);
        Instant healthy = nth(all, CopyPhases::healthyAt, n);
        Instant first = nth(all, CopyPhases::firstServedAt, n);

        ScalingEvent.Status status = ScalingEvent.Status.InProgress;
        Instant completed = null;
        if (first != null) {
            status = ScalingEvent.Status.Completed;
            completed = now;
        } else if (supersededAt != null && supersededAt.isAfter(e.decidedAt())) {
            status = ScalingEvent.Status.Superseded;
            completed = now;
        } else if (!now.isBefore(e.decidedAt().plus(giveUpAfter))) {
            status = ScalingEvent.Status.Incomplete;
            completed = now;
        }
        return new ScalingEvent(e.id(), e.endpointName(), e.componentName(), e.variantName(), e.kind(), status,
                e.fromCopies(), e.toCopies(), e.policyName(), e.burst(), e.reason(), e.thresholdCrossedAt(),
                e.decidedAt(), requested, instanceReady, image, model, healthy, first, completed,
                tiers(all, CopyPhases::imageTier), tiers(all, CopyPhases::modelTier), JSON.writeValueAsString(all));
    }

    /** The event's copies as stored with it. */
    public static List<CopyPhases> readCopies(String json) {
        if (json == null || json.isBlank()) return List.of();
        return JSON.readValue(json, new TypeReference<List<CopyPhases>>() {});
    }

    /**
     * A copy's phases. Its instance counts as asked for by a scale-out when the fleet launched it for one at or after
     * this event's decision (an instance that was already there is part of no scale-out's time).
     */
    private static CopyPhases phases(EventCopy c, Instant decidedAt, CopyPhases before) {
        CopyStartup s = c.startupJson() == null ? null : StartupJson.read(c.startupJson());
        Instant healthy = c.readyAt() != null ? c.readyAt() : end(s, CopyStartup.HEALTH_CHECK);
        boolean newInstance = c.instanceEventId() != null && c.instanceLaunchedAt() != null
                && !c.instanceLaunchedAt().isBefore(decidedAt);
        CopyPhases now = new CopyPhases(c.copyId(), c.instanceId(), c.status(), c.createdAt(),
                newInstance ? c.instanceLaunchedAt() : null, newInstance ? c.instanceRegisteredAt() : null,
                end(s, CopyStartup.IMAGE), end(s, CopyStartup.MODEL), healthy, c.firstServedAt(),
                dominantTier(s, CopyStartup.IMAGE), dominantTier(s, CopyStartup.MODEL));
        if (before == null) return now;
        // A later report never erases what an earlier one said (a copy that failed after its image was ready).
        return new CopyPhases(now.copyId(), now.instanceId(), now.status(), before.placedAt(),
                first(before.instanceRequestedAt(), now.instanceRequestedAt()),
                first(before.instanceReadyAt(), now.instanceReadyAt()), first(before.imageReadyAt(), now.imageReadyAt()),
                first(before.modelReadyAt(), now.modelReadyAt()), first(before.healthyAt(), now.healthyAt()),
                first(before.firstServedAt(), now.firstServedAt()),
                now.imageTier() != null ? now.imageTier() : before.imageTier(),
                now.modelTier() != null ? now.modelTier() : before.modelTier());
    }

    private static CopyPhases withStatus(CopyPhases p, String status) {
        return new CopyPhases(p.copyId(), p.instanceId(), status, p.placedAt(), p.instanceRequestedAt(),
                p.instanceReadyAt(), p.imageReadyAt(),
                p.modelReadyAt(), p.healthyAt(), p.firstServedAt(), p.imageTier(), p.modelTier());
    }

    private static Instant first(Instant a, Instant b) {
        return a != null ? a : b;
    }

    private static Instant end(CopyStartup s, String phase) {
        if (s == null) return null;
        return s.phases().stream().filter(p -> p.name().equals(phase)).map(CopyStartup.Phase::endedAt)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** The tier that served most of the artifact's bytes (the first tier with hits when none moved bytes). */
    private static String dominantTier(CopyStartup s, String artifact) {
        if (s == null) return null;
        return s.tiers().stream().filter(t -> t.artifact().equals(artifact) && t.hits() > 0)
                .max(Comparator.comparingLong(CopyStartup.TierUsage::bytes)).map(CopyStartup.TierUsage::tier).orElse(null);
    }

    /** When the n-th copy reached a phase, or null if fewer than n did. */
    private static Instant nth(List<CopyPhases> copies, Function<CopyPhases, Instant> phase, int n) {
        List<Instant> times = copies.stream().map(phase).filter(Objects::nonNull).sorted().toList();
        return times.size() >= n ? times.get(n - 1) : null;
    }

    /** The distinct tiers the copies' artifacts came from, e.g. {@code registry} or {@code local,registry}. */
    private static String tiers(List<CopyPhases> copies, Function<CopyPhases, String> tier) {
        TreeSet<String> names = new TreeSet<>();
        copies.stream().map(tier).filter(Objects::nonNull).forEach(names::add);
        return names.isEmpty() ? null : String.join(",", names);
    }
}
