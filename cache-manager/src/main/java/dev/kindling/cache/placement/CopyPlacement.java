package dev.kindling.cache.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Places new copies of one inference component on instances. An instance takes a copy only if its free
 * resources cover the copy's needs; among those that fit, it prefers the instance holding the fewest copies of
 * the same component (spread, so one instance loss takes few copies), then the tightest fit (least accelerators,
 * then memory, left over), so large holes stay open for large copies. Ties break by instance id, so the result
 * is deterministic.
 */
public final class CopyPlacement {

    private CopyPlacement() {}

    /** The outcome: where each placed copy went, and how many could not be placed anywhere. */
    public record Result(List<String> instanceIds, int unplaced) {
        public Result {
            instanceIds = List.copyOf(instanceIds);
        }
    }

    public static Result place(List<InstanceSlot> instances, String component, Resources need, int copies) {
        Map<String, Resources> allocated = new HashMap<>();
        Map<String, Integer> sameComponent = new HashMap<>();
        for (InstanceSlot s : instances) {
            allocated.put(s.instanceId(), s.allocated());
            sameComponent.put(s.instanceId(), s.copiesOf(component));
        }
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            InstanceSlot best = null;
            for (InstanceSlot s : instances) {
                if (!s.capacity().covers(allocated.get(s.instanceId()).plus(need))) {
                    continue;
                }
                if (best == null || order(allocated, sameComponent).compare(s, best) < 0) {
                    best = s;
                }
            }
            if (best == null) {
                return new Result(placed, copies - i);
            }
            allocated.put(best.instanceId(), allocated.get(best.instanceId()).plus(need));
            sameComponent.merge(best.instanceId(), 1, Integer::sum);
            placed.add(best.instanceId());
        }
        return new Result(placed, 0);
    }

    /** Whether an empty instance of this capacity could ever hold one copy. */
    public static boolean couldEverFit(Resources capacity, Resources need) {
        return capacity.covers(need);
    }

    private static Comparator<InstanceSlot> order(Map<String, Resources> allocated, Map<String, Integer> same) {
        return Comparator.<InstanceSlot>comparingInt(s -> same.get(s.instanceId()))
                .thenComparingInt(s -> s.capacity().minusClamped(allocated.get(s.instanceId())).accelerators())
                .thenComparingLong(s -> s.capacity().minusClamped(allocated.get(s.instanceId())).memoryMb())
                .thenComparing(InstanceSlot::instanceId);
    }
}
