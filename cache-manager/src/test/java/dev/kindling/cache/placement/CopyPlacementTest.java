package dev.kindling.cache.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CopyPlacementTest {

    private static final Resources G5_12XL = new Resources(4, 48_000, 196_608);
    private static final Resources ONE_GPU = Resources.of(1, 4, 16_384);

    private static InstanceSlot slot(String id, Resources capacity, Resources allocated, Map<String, Integer> copies) {
        return new InstanceSlot(id, capacity, allocated, copies);
    }

    private static InstanceSlot empty(String id) {
        return slot(id, G5_12XL, Resources.NONE, Map.of());
    }

    static Stream<Arguments> rankings() {
        return Stream.of(
                Arguments.of("spreads one component across instances before stacking",
                        List.of(empty("a"), empty("b")), 2, List.of("a", "b"), 0),
                Arguments.of("prefers the instance with fewer copies of the same component",
                        List.of(slot("a", G5_12XL, ONE_GPU, Map.of("m", 1)), empty("b")), 1, List.of("b"), 0),
                Arguments.of("among equal spread, prefers the tightest fit",
                        List.of(empty("a"), slot("b", G5_12XL, ONE_GPU.plus(ONE_GPU), Map.of("other", 2))), 1, List.of("b"), 0),
                Arguments.of("ties break by instance id",
                        List.of(empty("b"), empty("a")), 1, List.of("a"), 0),
                Arguments.of("fills an instance once every instance has the component",
                        List.of(empty("a")), 4, List.of("a", "a", "a", "a"), 0),
                Arguments.of("reports what does not fit",
                        List.of(empty("a")), 6, List.of("a", "a", "a", "a"), 2),
                Arguments.of("an over-committed instance gets nothing",
                        List.of(slot("a", G5_12XL, new Resources(5, 0, 0), Map.of()), empty("b")), 1, List.of("b"), 0),
                Arguments.of("no instances: nothing placed", List.of(), 3, List.of(), 3),
                Arguments.of("zero copies asked: nothing placed", List.of(empty("a")), 0, List.of(), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rankings")
    void ranks(String label, List<InstanceSlot> slots, int copies, List<String> expected, int unplaced) {
        CopyPlacement.Result r = CopyPlacement.place(slots, "m", ONE_GPU, copies);
        assertThat(r.instanceIds()).isEqualTo(expected);
        assertThat(r.unplaced()).isEqualTo(unplaced);
    }

    @Test
    void memoryAndCpuBindAsWellAsAccelerators() {
        Resources cpuOnly = Resources.of(0, 3, 1024);
        InstanceSlot small = slot("a", new Resources(0, 4_000, 4_096), Resources.NONE, Map.of());
        assertThat(CopyPlacement.place(List.of(small), "m", cpuOnly, 2).unplaced()).isEqualTo(1);
        Resources memoryHeavy = Resources.of(0, 0.25, 3_000);
        assertThat(CopyPlacement.place(List.of(small), "m", memoryHeavy, 2).unplaced()).isEqualTo(1);
    }

    @Test
    void resourcesAddAndCompareExactly() {
        assertThat(Resources.of(1, 0.25, 10).cpuMillis()).isEqualTo(250);
        assertThat(Resources.of(1, 0.25, 10).plus(Resources.of(1, 0.5, 5))).isEqualTo(new Resources(2, 750, 15));
        assertThat(new Resources(1, 100, 10).minusClamped(new Resources(3, 50, 20))).isEqualTo(new Resources(0, 50, 0));
        assertThat(new Resources(1, 1000, 10).covers(new Resources(1, 1000, 10))).isTrue();
        assertThat(new Resources(1, 1000, 10).covers(new Resources(1, 1001, 10))).isFalse();
        assertThatThrownBy(() -> new Resources(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Property: for random fleets (some instances already over-committed) and random requests, placement never
     * pushes an instance past its capacity, accounts for every copy, stops only when nothing fits, and is
     * deterministic. Seeded, so a failure replays; the message names the seed.
     */
    @Test
    void neverOverCommitsAnInstance() {
        for (long seed = 0; seed < 500; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            List<InstanceSlot> slots = new ArrayList<>();
            int n = r.nextInt(6);
            for (int i = 0; i < n; i++) {
                Resources cap = new Resources(r.nextInt(9), 1000L * (1 + r.nextInt(96)), 1024L * (1 + r.nextInt(256)));
                Resources used = r.nextInt(5) == 0
                        ? cap.plus(new Resources(r.nextInt(2), r.nextInt(2000), r.nextInt(2048)))   // over-committed
                        : new Resources(r.nextInt(cap.accelerators() + 1), r.nextLong(cap.cpuMillis() + 1),
                                r.nextLong(cap.memoryMb() + 1));
                slots.add(slot("i" + i, cap, used, Map.of("m", r.nextInt(3))));
            }
            Resources need = new Resources(r.nextInt(3), 250L * r.nextInt(17), 128L * r.nextInt(65));
            int copies = r.nextInt(12);

            CopyPlacement.Result result = CopyPlacement.place(slots, "m", need, copies);

            String context = "seed " + seed + ", need " + need + ", slots " + slots;
            assertThat(result.instanceIds().size() + result.unplaced()).as(context).isEqualTo(copies);
            Map<String, Resources> after = new HashMap<>();
            slots.forEach(s -> after.put(s.instanceId(), s.allocated()));
            result.instanceIds().forEach(id -> after.merge(id, need, Resources::plus));
            for (InstanceSlot s : slots) {
                boolean received = result.instanceIds().contains(s.instanceId());
                if (!s.capacity().covers(s.allocated())) {
                    assertThat(received).as("over-committed instance received a copy; " + context).isFalse();
                } else {
                    assertThat(s.capacity().covers(after.get(s.instanceId()))).as(s.instanceId() + " over-committed; " + context).isTrue();
                }
                if (result.unplaced() > 0) {
                    assertThat(s.capacity().covers(after.get(s.instanceId()).plus(need)))
                            .as("left a copy unplaced though " + s.instanceId() + " had room; " + context).isFalse();
                }
            }
            assertThat(CopyPlacement.place(slots, "m", need, copies)).as("deterministic; " + context).isEqualTo(result);
        }
    }
}
