package dev.kindling.cache.placement;

import dev.kindling.cache.placement.PlacementExplanation.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Places new copies of one inference component on instances. An instance takes a copy only if its free
 * resources cover the copy's needs; among those that fit, it prefers the instance that already holds the most bytes
 * of the copy's image and model (warm: the copy starts without fetching them), then the one holding the fewest
 * copies of the same component (spread, so one instance loss takes few copies), then the tightest fit (least
 * accelerators, then memory, left over), so large holes stay open for large copies. Ties break by instance id, so
 * the result is deterministic. Every placed copy comes with an {@link PlacementExplanation} of the choice.
 */
public final class CopyPlacement {

    private CopyPlacement() {}

    /**
     * The outcome: where each placed copy went and why (one explanation per placed copy, in the same order), how many
     * could not be placed anywhere, and for those why the first of them found no room (null when all were placed).
     */
    public record Result(List<String> instanceIds, int unplaced, List<PlacementExplanation> explanations,
                         PlacementExplanation shortfall) {
        public Result {
            instanceIds = List.copyOf(instanceIds);
            explanations = List.copyOf(explanations);
        }
    }

    /** Places copies whose image and model placement does not know: ranked on spread and fit alone. */
    public static Result place(List<InstanceSlot> instances, String component, Resources need, int copies) {
        return place(instances, component, need, CopyArtifacts.UNKNOWN, copies);
    }

    public static Result place(List<InstanceSlot> instances, String component, Resources need, CopyArtifacts artifacts,
                               int copies) {
        Map<String, Resources> allocated = new HashMap<>();
        Map<String, Integer> sameComponent = new HashMap<>();
        for (InstanceSlot s : instances) {
            allocated.put(s.instanceId(), s.allocated());
            sameComponent.put(s.instanceId(), s.copiesOf(component));
        }
        Long needed = neededBytes(instances, artifacts);
        List<String> placed = new ArrayList<>();
        List<PlacementExplanation> explanations = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            List<Candidate> candidates = candidates(instances, allocated, sameComponent, need, artifacts);
            List<Candidate> fitting = candidates.stream().filter(Candidate::fits).toList();
            if (fitting.isEmpty()) {
                return new Result(placed, copies - i, explanations,
                        new PlacementExplanation(null, noRoom(candidates.size(), need), needed, candidates));
            }
            Candidate best = fitting.getFirst();
            explanations.add(new PlacementExplanation(best.instanceId(),
                    reason(fitting, candidates.size(), needed, component), needed, candidates));
            allocated.merge(best.instanceId(), need, Resources::plus);
            sameComponent.merge(best.instanceId(), 1, Integer::sum);
            placed.add(best.instanceId());
        }
        return new Result(placed, 0, explanations, null);
    }

    /** Whether an empty instance of this capacity could ever hold one copy. */
    public static boolean couldEverFit(Resources capacity, Resources need) {
        return capacity.covers(need);
    }

    /** Every instance for the next copy: those that fit, best first, with their rank; then the rest by id. */
    private static List<Candidate> candidates(List<InstanceSlot> instances, Map<String, Resources> allocated,
                                              Map<String, Integer> same, Resources need, CopyArtifacts artifacts) {
        List<Candidate> fitting = new ArrayList<>();
        List<Candidate> tooSmall = new ArrayList<>();
        for (InstanceSlot s : instances) {
            Resources held = allocated.get(s.instanceId());
            String whyNot = shortOf(s.capacity(), held, need);
            Candidate c = new Candidate(s.instanceId(), whyNot == null, whyNot, s.capacity().minusClamped(held),
                    s.warmBytesFor(artifacts), same.get(s.instanceId()), null);
            (c.fits() ? fitting : tooSmall).add(c);
        }
        fitting.sort(RANKING);
        tooSmall.sort(Comparator.comparing(Candidate::instanceId));
        List<Candidate> out = new ArrayList<>(instances.size());
        for (int r = 0; r < fitting.size(); r++) {
            Candidate c = fitting.get(r);
            out.add(new Candidate(c.instanceId(), true, null, c.free(), c.warmBytes(), c.copiesOfComponent(), r + 1));
        }
        out.addAll(tooSmall);
        return out;
    }

    /** Warmest first, then fewest copies of the component, then tightest fit, then id. */
    private static final Comparator<Candidate> RANKING = Comparator.comparingLong(Candidate::warmBytes).reversed()
            .thenComparingInt(Candidate::copiesOfComponent)
            .thenComparingInt(c -> c.free().accelerators())
            .thenComparingLong(c -> c.free().memoryMb())
            .thenComparing(Candidate::instanceId);

    /**
     * What keeps a copy off an instance, or null if it fits. A part already past capacity counts even when the copy
     * needs none of it: an over-committed instance takes nothing until it is back within its capacity.
     */
    static String shortOf(Resources capacity, Resources allocated, Resources need) {
        List<String> parts = new ArrayList<>();
        part(parts, "accelerators", capacity.accelerators(), allocated.accelerators(), need.accelerators(), Long::toString);
        part(parts, "CPU cores", capacity.cpuMillis(), allocated.cpuMillis(), need.cpuMillis(),
                m -> Double.toString(m / 1000.0));
        part(parts, "memory", capacity.memoryMb(), allocated.memoryMb(), need.memoryMb(), m -> m + " MiB");
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    private static void part(List<String> parts, String name, long capacity, long allocated, long need,
                             LongFunction<String> format) {
        if (allocated > capacity) {
            parts.add(name + " over-committed (" + format.apply(allocated) + " held of " + format.apply(capacity) + ")");
        } else if (allocated + need > capacity) {
            parts.add(name + ": " + format.apply(need) + " needed, " + format.apply(capacity - allocated) + " free");
        }
    }

    /**
     * The bytes a copy needs, as far as the instances tell: an inventory lists an image or model only complete, so
     * any instance holding one gives its full size. Null when some part is held nowhere (its size is unknown here).
     */
    private static Long neededBytes(List<InstanceSlot> instances, CopyArtifacts artifacts) {
        long total = 0;
        for (String source : new String[] {artifacts.image(), artifacts.artifactUrl()}) {
            if (source == null) continue;
            long size = instances.stream().mapToLong(s -> s.held(source)).max().orElse(0);
            if (size == 0) return null;
            total += size;
        }
        return artifacts.image() == null && artifacts.artifactUrl() == null ? null : total;
    }

    private static String noRoom(int total, Resources need) {
        if (total == 0) return "no instance to place it on";
        return (total == 1 ? "the only instance has no" : "none of the " + total + " instances has")
                + " room for it (it needs " + need + ")";
    }

    /** The choice in one sentence, naming the rule that decided it over the runner-up. */
    private static String reason(List<Candidate> fitting, int total, Long needed, String component) {
        Candidate best = fitting.getFirst();
        String warm = best.warmBytes() == 0 ? null : "holds " + PlacementExplanation.bytes(best.warmBytes())
                + (needed != null ? " of the " + PlacementExplanation.bytes(needed) + " this copy needs"
                        : " of this copy's image and model");
        int k = fitting.size();
        if (k == 1) {
            String only = total == 1 ? "the only instance, and it has room for it"
                    : "the only one of " + total + " instances with room for it";
            return warm == null ? only : warm + "; " + only;
        }
        Candidate next = fitting.get(1);
        if (best.warmBytes() > next.warmBytes()) {
            return warm + ", the most of " + k + " instances that fit";
        }
        String tie = warm == null ? "none of the " + k + " instances that fit holds any of this copy's image or model"
                : warm + ", as much as any of the " + k + " instances that fit";
        if (best.copiesOfComponent() < next.copiesOfComponent()) {
            return tie + "; it runs the fewest copies of " + component + " (" + best.copiesOfComponent() + ")";
        }
        if (best.free().accelerators() < next.free().accelerators() || best.free().memoryMb() < next.free().memoryMb()) {
            return tie + "; of those running the fewest copies of " + component + " (" + best.copiesOfComponent()
                    + ") it is the tightest fit (" + best.free() + " free)";
        }
        return tie + "; it ties with " + next.instanceId() + " on warmth, copies of " + component
                + " and fit, and comes first by id";
    }
}
