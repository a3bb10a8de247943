package dev.kindling.cache.placement;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Where new copies of component "m" go: ranking as named rows, then invariants over seeded random fleets. */
class CopyPlacementTest {

    /** An ml.g5.12xlarge: 4 GPUs, 48 vCPUs, 192 GiB. */
    private static final Resources G5_12XL = new Resources(4, 48_000, 196_608);
    private static final Resources ONE_GPU = Resources.of(1, 4, 16_384);
    private static final Resources CPU_ONLY = Resources.of(0, 1, 1_024);

    private static InstanceSlot slot(String id, Resources allocated, Map<String, Integer> copies) {
        return new InstanceSlot(id, G5_12XL, allocated, copies);
    }

    private static InstanceSlot empty(String id) {
        return slot(id, Resources.NONE, Map.of());
    }

    private static Resources gpus(int n) {
        return new Resources(n, 0, 0);
    }

    static Stream<Arguments> rankings() {
        return Stream.of(
                Arguments.of("spreads copies across instances before stacking",
                        List.of(empty("a"), empty("b")), ONE_GPU, 2, List.of("a", "b"), 0),
                Arguments.of("spread beats a tighter fit",
                        List.of(slot("a", ONE_GPU, Map.of("m", 1)), empty("b")), ONE_GPU, 1, List.of("b"), 0),
                Arguments.of("evens out existing copies before stacking on either",
                        List.of(slot("a", ONE_GPU.plus(ONE_GPU), Map.of("m", 2)), empty("b")), ONE_GPU, 3,
                        List.of("b", "b", "a"), 0),
                Arguments.of("copies of other components do not count against spread",
                        List.of(empty("a"), slot("b", gpus(2), Map.of("other", 2))), ONE_GPU, 1, List.of("b"), 0),
                // Accelerators rank before memory: b has more memory free but fewer GPUs, so it is the tighter fit.
                Arguments.of("tightest fit: fewest free accelerators first",
                        List.of(slot("a", new Resources(2, 0, 150_000), Map.of()), slot("b", gpus(3), Map.of())), ONE_GPU, 1,
                        List.of("b"), 0),
                Arguments.of("tightest fit: then least free memory",
                        List.of(slot("a", gpus(2), Map.of()), slot("b", new Resources(2, 0, 100_000), Map.of())), ONE_GPU, 1,
                        List.of("b"), 0),
                Arguments.of("ties break by instance id, not list order",
                        List.of(empty("c"), empty("a"), empty("b")), ONE_GPU, 1, List.of("a"), 0),
                Arguments.of("stacks once every instance holds a copy",
                        List.of(empty("a")), ONE_GPU, 4, List.of("a", "a", "a", "a"), 0),
                Arguments.of("stacks on the roomier instance when the spread one fills",
                        List.of(slot("a", gpus(3), Map.of()), empty("b")), ONE_GPU, 3, List.of("a", "b", "b"), 0),
                Arguments.of("a copy fits exactly what is free",
                        List.of(slot("a", new Resources(3, 44_000, 180_224), Map.of())), ONE_GPU, 2, List.of("a"), 1),
                Arguments.of("counts the copies that do not fit",
                        List.of(empty("a")), ONE_GPU, 6, List.of("a", "a", "a", "a"), 2),
                Arguments.of("a copy larger than any instance",
                        List.of(empty("a"), empty("b")), gpus(8), 3, List.of(), 3),
                Arguments.of("no instances", List.of(), ONE_GPU, 3, List.of(), 3),
                Arguments.of("over-committed on accelerators gets nothing",
                        List.of(slot("a", gpus(5), Map.of()), empty("b")), ONE_GPU, 1, List.of("b"), 0),
                Arguments.of("over-committed on memory gets nothing, free GPUs or not",
                        List.of(slot("a", new Resources(0, 0, 200_000), Map.of()), empty("b")), ONE_GPU, 1, List.of("b"), 0),
                // The clamped free() of a is (0 GPUs, 47 cores, 192 GiB): it would take a CPU-only copy if used alone.
                Arguments.of("over-committed in a resource the copy does not use still gets nothing",
                        List.of(slot("a", gpus(5), Map.of()), empty("b")), CPU_ONLY, 1, List.of("b"), 0),
                Arguments.of("only over-committed instances",
                        List.of(slot("a", gpus(5), Map.of())), CPU_ONLY, 2, List.of(), 2),
                Arguments.of("zero copies asked", List.of(empty("a")), ONE_GPU, 0, List.of(), 0),
                Arguments.of("zero copies asked of no instances", List.of(), ONE_GPU, 0, List.of(), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rankings")
    void ranks(String label, List<InstanceSlot> slots, Resources need, int copies, List<String> expected, int unplaced) {
        CopyPlacement.Result r = CopyPlacement.place(slots, "m", need, copies);
        assertThat(r.instanceIds()).isEqualTo(expected);
        assertThat(r.unplaced()).isEqualTo(unplaced);
    }

    @Test
    void cpuAndMemoryBindAsWellAsAccelerators() {
        InstanceSlot small = new InstanceSlot("a", new Resources(0, 4_000, 4_096), Resources.NONE, Map.of());
        CopyPlacement.Result cpuBound = CopyPlacement.place(List.of(small), "m", Resources.of(0, 3, 1_024), 2);
        assertThat(cpuBound.instanceIds()).containsExactly("a");
        assertThat(cpuBound.unplaced()).isEqualTo(1);
        assertThat(cpuBound.shortfall().candidates().getFirst().whyNot()).isEqualTo("CPU cores: 3.0 needed, 1.0 free");
        CopyPlacement.Result memoryBound = CopyPlacement.place(List.of(small), "m", Resources.of(0, 0.25, 3_000), 2);
        assertThat(memoryBound.instanceIds()).containsExactly("a");
        assertThat(memoryBound.unplaced()).isEqualTo(1);
        assertThat(memoryBound.shortfall().candidates().getFirst().whyNot()).isEqualTo("memory: 3000 MiB needed, 1096 MiB free");
    }

    // ---- Warmth: instances that already hold the copy's image and model rank first among those that fit. ----

    private static final String IMAGE = "repo/model:1";
    private static final String MODEL = "s3://models/m.tar.gz";
    private static final CopyArtifacts NEEDS = new CopyArtifacts(IMAGE, MODEL);
    private static final long IMAGE_BYTES = 177_000_000L;
    private static final long MODEL_BYTES = 160_000_000L;

    private static InstanceSlot warm(String id, Resources allocated, Map<String, Integer> copies, Map<String, Long> held) {
        return new InstanceSlot(id, G5_12XL, allocated, copies, held);
    }

    private static Map<String, Long> image() {
        return Map.of(IMAGE, IMAGE_BYTES);
    }

    private static Map<String, Long> imageAndModel() {
        return Map.of(IMAGE, IMAGE_BYTES, MODEL, MODEL_BYTES);
    }

    static Stream<Arguments> warmRankings() {
        return Stream.of(
                Arguments.of("warm beats cold", List.of(empty("a"), warm("b", Resources.NONE, Map.of(), imageAndModel())),
                        NEEDS, 1, List.of("b")),
                Arguments.of("warm beats spread",
                        List.of(empty("a"), warm("b", ONE_GPU, Map.of("m", 1), imageAndModel())), NEEDS, 1, List.of("b")),
                Arguments.of("warm beats a tighter fit",
                        List.of(slot("a", gpus(3), Map.of()), warm("b", Resources.NONE, Map.of(), image())), NEEDS, 1,
                        List.of("b")),
                Arguments.of("partial warmth (image only) beats none",
                        List.of(empty("a"), warm("b", Resources.NONE, Map.of(), image())), NEEDS, 1, List.of("b")),
                Arguments.of("the model alone is warmth too",
                        List.of(empty("a"), warm("b", Resources.NONE, Map.of(), Map.of(MODEL, MODEL_BYTES))), NEEDS, 1,
                        List.of("b")),
                Arguments.of("more warm bytes beat fewer",
                        List.of(warm("a", Resources.NONE, Map.of(), image()),
                                warm("b", ONE_GPU, Map.of("m", 1), imageAndModel())), NEEDS, 1, List.of("b")),
                Arguments.of("a warm instance that does not fit is skipped",
                        List.of(empty("a"), warm("b", gpus(4), Map.of("m", 4), imageAndModel())), NEEDS, 1, List.of("a")),
                Arguments.of("bytes of other images and models do not count",
                        List.of(warm("a", ONE_GPU, Map.of("m", 1), Map.of("repo/other:3", 9_000_000_000L)), empty("b")),
                        NEEDS, 1, List.of("b")),
                Arguments.of("a copy without a model artifact counts its image only",
                        List.of(warm("a", Resources.NONE, Map.of(), Map.of(MODEL, MODEL_BYTES)),
                                warm("b", Resources.NONE, Map.of(), Map.of(IMAGE, 1L))),
                        new CopyArtifacts(IMAGE, null), 1, List.of("b")),
                Arguments.of("equal warmth keeps today's spread",
                        List.of(warm("a", ONE_GPU, Map.of("m", 1), image()), warm("b", Resources.NONE, Map.of(), image())),
                        NEEDS, 1, List.of("b")),
                Arguments.of("equal warmth keeps today's tightest fit",
                        List.of(warm("a", Resources.NONE, Map.of(), image()), warm("b", gpus(2), Map.of(), image())),
                        NEEDS, 1, List.of("b")),
                Arguments.of("equal warmth keeps today's id order",
                        List.of(warm("b", Resources.NONE, Map.of(), image()), warm("a", Resources.NONE, Map.of(), image())),
                        NEEDS, 1, List.of("a")),
                // Placing a copy does not make an instance warm within the pass: its bytes arrive later.
                Arguments.of("stacks on the warm instance until it is full, then goes cold",
                        List.of(empty("a"), warm("b", Resources.NONE, Map.of(), image())), NEEDS, 6,
                        List.of("b", "b", "b", "b", "a", "a")),
                Arguments.of("unknown needs: nobody is warm",
                        List.of(warm("a", ONE_GPU, Map.of("m", 1), imageAndModel()), empty("b")), CopyArtifacts.UNKNOWN, 1,
                        List.of("b")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("warmRankings")
    void prefersWarmInstances(String label, List<InstanceSlot> slots, CopyArtifacts needs, int copies, List<String> expected) {
        CopyPlacement.Result r = CopyPlacement.place(slots, "m", ONE_GPU, needs, copies);
        assertThat(r.instanceIds()).isEqualTo(expected);
        assertThat(r.explanations()).extracting(PlacementExplanation::instanceId).isEqualTo(expected);
    }

    @Test
    void explainsEveryCandidateAndTheChoice() {
        // d holds the image and the model but has no free accelerator: it tells the sizes, it cannot take the copy.
        List<InstanceSlot> slots = List.of(empty("c"), warm("b", Resources.NONE, Map.of(), image()), empty("a"),
                warm("d", gpus(4), Map.of("m", 4), imageAndModel()));
        CopyPlacement.Result r = CopyPlacement.place(slots, "m", ONE_GPU, NEEDS, 1);

        PlacementExplanation e = r.explanations().getFirst();
        assertThat(e.instanceId()).isEqualTo("b");
        assertThat(e.reason()).isEqualTo("holds 177 MB of the 337 MB this copy needs, the most of 3 instances that fit");
        assertThat(e.neededBytes()).isEqualTo(IMAGE_BYTES + MODEL_BYTES);
        Resources emptyFree = G5_12XL;
        assertThat(e.candidates()).containsExactly(
                new PlacementExplanation.Candidate("b", true, null, emptyFree, IMAGE_BYTES, 0, 1),
                new PlacementExplanation.Candidate("a", true, null, emptyFree, 0, 0, 2),
                new PlacementExplanation.Candidate("c", true, null, emptyFree, 0, 0, 3),
                new PlacementExplanation.Candidate("d", false, "accelerators: 1 needed, 0 free",
                        new Resources(0, 48_000, 196_608), IMAGE_BYTES + MODEL_BYTES, 4, null));
        assertThat(r.shortfall()).isNull();
    }

    static Stream<Arguments> reasons() {
        return Stream.of(
                Arguments.of("warmest, sizes known", List.of(empty("a"), warm("b", Resources.NONE, Map.of(), imageAndModel())),
                        "holds 337 MB of the 337 MB this copy needs, the most of 2 instances that fit"),
                Arguments.of("warmest, model size unknown", List.of(empty("a"), warm("b", Resources.NONE, Map.of(), image())),
                        "holds 177 MB of this copy's image and model, the most of 2 instances that fit"),
                Arguments.of("the only one that fits",
                        List.of(slot("a", gpus(4), Map.of()), warm("b", Resources.NONE, Map.of(), image())),
                        "holds 177 MB of this copy's image and model; the only one of 2 instances with room for it"),
                Arguments.of("the only instance", List.of(empty("a")), "the only instance, and it has room for it"),
                Arguments.of("cold, spread decides", List.of(slot("a", ONE_GPU, Map.of("m", 1)), empty("b")),
                        "none of the 2 instances that fit holds any of this copy's image or model; "
                                + "it runs the fewest copies of m (0)"),
                Arguments.of("equally warm, spread decides",
                        List.of(warm("a", ONE_GPU, Map.of("m", 1), image()), warm("b", Resources.NONE, Map.of(), image())),
                        "holds 177 MB of this copy's image and model, as much as any of the 2 instances that fit; "
                                + "it runs the fewest copies of m (0)"),
                Arguments.of("cold, fit decides", List.of(empty("a"), slot("b", gpus(2), Map.of())),
                        "none of the 2 instances that fit holds any of this copy's image or model; of those running the "
                                + "fewest copies of m (0) it is the tightest fit (2 accelerators, 48.0 CPU cores, 196608 MiB free)"),
                Arguments.of("all equal, id decides", List.of(empty("b"), empty("a")),
                        "none of the 2 instances that fit holds any of this copy's image or model; "
                                + "it ties with b on warmth, copies of m and fit, and comes first by id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reasons")
    void saysWhyInOneSentence(String label, List<InstanceSlot> slots, String reason) {
        assertThat(CopyPlacement.place(slots, "m", ONE_GPU, NEEDS, 1).explanations().getFirst().reason()).isEqualTo(reason);
    }

    static Stream<Arguments> shortfalls() {
        return Stream.of(
                Arguments.of("no instances", List.of(), "no instance to place it on", List.of()),
                Arguments.of("the only instance is full", List.of(slot("a", gpus(4), Map.of())),
                        "the only instance has no room for it (it needs 1 accelerators, 4.0 CPU cores, 16384 MiB)",
                        List.of("accelerators: 1 needed, 0 free")),
                Arguments.of("short of several resources, or over-committed",
                        List.of(slot("b", new Resources(4, 40_000, 190_000), Map.of()), slot("a", gpus(5), Map.of())),
                        "none of the 2 instances has room for it (it needs 1 accelerators, 4.0 CPU cores, 16384 MiB)",
                        List.of("accelerators over-committed (5 held of 4)",
                                "accelerators: 1 needed, 0 free; memory: 16384 MiB needed, 6608 MiB free")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shortfalls")
    void explainsWhyNothingFits(String label, List<InstanceSlot> slots, String reason, List<String> whyNot) {
        CopyPlacement.Result r = CopyPlacement.place(slots, "m", ONE_GPU, NEEDS, 2);
        assertThat(r.unplaced()).isEqualTo(2);
        assertThat(r.explanations()).isEmpty();
        assertThat(r.shortfall().instanceId()).isNull();
        assertThat(r.shortfall().reason()).isEqualTo(reason);
        assertThat(r.shortfall().candidates()).extracting(PlacementExplanation.Candidate::whyNot).isEqualTo(whyNot);
        assertThat(r.shortfall().candidates()).allSatisfy(c -> assertThat(c.rank()).isNull());
    }

    @Test
    void bytesReadAsSizesAreQuoted() {
        assertThat(List.of(0L, 1L, 999L, 1_000L, 177_000_000L, 17_700_000_000L, 16_000_000_000L, 2_500_000_000_000L, 999_600L))
                .extracting(PlacementExplanation::bytes)
                .containsExactly("0 bytes", "1 byte", "999 bytes", "1 kB", "177 MB", "17.7 GB", "16 GB", "2.5 TB", "1000 kB");
    }

    // ---- Property test: plain JUnit over seeds (no jqwik), so any failure replays with new Case(seed). ----

    private static final int SEEDS = 1_000;

    /** Instance types the generator draws from; shared types and copy sizes make exact ranking ties common. */
    private static final List<Resources> TYPES = List.of(
            new Resources(1, 4_000, 16_384), G5_12XL, new Resources(8, 192_000, 786_432), new Resources(0, 8_000, 32_768));
    private static final List<Resources> SIZES = List.of(ONE_GPU, CPU_ONLY, Resources.of(2, 8, 65_536), Resources.NONE);

    /** One random placement problem, fully determined by its seed. */
    private record Case(long seed, List<InstanceSlot> slots, Resources need, int copies) {

        Case(long seed) {
            this(seed, new SplittableRandom(seed));
        }

        private Case(long seed, SplittableRandom r) {
            this(seed, slots(r), need(r), r.nextInt(16));
        }

        private static List<InstanceSlot> slots(SplittableRandom r) {
            List<InstanceSlot> out = new ArrayList<>();
            int n = r.nextInt(7);
            // Mostly one instance type, as a production variant has; otherwise a fleet of arbitrary sizes.
            Resources type = r.nextInt(4) > 0 ? TYPES.get(r.nextInt(TYPES.size())) : null;
            // Half the fleets hold nothing yet (a new endpoint); in the others instances differ in what they hold.
            boolean warmFleet = r.nextBoolean();
            for (int i = 0; i < n; i++) {
                Resources cap = type != null ? type
                        : new Resources(r.nextInt(9), 1000L * (1 + r.nextInt(96)), 1024L * (1 + r.nextInt(256)));
                Resources used = switch (r.nextInt(5)) {
                    case 0, 1 -> Resources.NONE;
                    case 2, 3 -> copiesThatFit(r, cap);
                    default -> new Resources(r.nextInt(cap.accelerators() + 1), r.nextLong(cap.cpuMillis() + 1),
                            r.nextLong(cap.memoryMb() + 1));
                };
                if (r.nextInt(5) == 0) {
                    // Over-committed in one part only, so its clamped free() may still show room in the others.
                    int part = r.nextInt(3);
                    used = new Resources(part == 0 ? cap.accelerators() + 1 + r.nextInt(2) : used.accelerators(),
                            part == 1 ? cap.cpuMillis() + 1 + r.nextInt(2000) : used.cpuMillis(),
                            part == 2 ? cap.memoryMb() + 1 + r.nextInt(2048) : used.memoryMb());
                }
                Map<String, Integer> copies = Map.of("m", r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0, "other", r.nextInt(3));
                out.add(new InstanceSlot("i" + i, cap, used, copies, warmFleet ? held(r) : Map.of()));
            }
            return out;
        }

        /** Nothing, the image, the model, both, or another image: the warmth instances differ by. */
        private static Map<String, Long> held(SplittableRandom r) {
            return switch (r.nextInt(5)) {
                case 0 -> Map.of();
                case 1 -> Map.of(IMAGE, IMAGE_BYTES);
                case 2 -> Map.of(MODEL, MODEL_BYTES);
                case 3 -> Map.of(IMAGE, IMAGE_BYTES, MODEL, MODEL_BYTES);
                default -> Map.of("repo/other:3", IMAGE_BYTES);
            };
        }

        /** Up to a few copies of stock sizes, as many as fit. */
        private static Resources copiesThatFit(SplittableRandom r, Resources cap) {
            Resources used = Resources.NONE;
            for (int k = r.nextInt(5); k > 0; k--) {
                Resources more = used.plus(SIZES.get(r.nextInt(SIZES.size())));
                if (cap.covers(more)) {
                    used = more;
                }
            }
            return used;
        }

        private static Resources need(SplittableRandom r) {
            // Random needs have parts that are sometimes zero: over-commitment in a part the copy does not use.
            return r.nextBoolean() ? SIZES.get(r.nextInt(SIZES.size()))
                    : new Resources(r.nextInt(3), 250L * r.nextInt(17), 128L * r.nextInt(65));
        }

        @Override
        public String toString() {
            return "seed " + seed + " (replay: new Case(" + seed + "L)): " + copies + " copies of " + need + " on " + slots;
        }
    }

    @Test
    void invariantsHoldForRandomFleets() {
        int overCommittedWithRoom = 0;
        int tied = 0;
        int leftUnplaced = 0;
        int allPlaced = 0;
        int warmthDecided = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            Case c = new Case(seed);
            CopyPlacement.Result result = check(c);
            // An over-committed instance whose clamped free() still covers the need: only the capacity check stops it.
            overCommittedWithRoom += c.slots().stream().anyMatch(s -> !s.capacity().covers(s.allocated())
                    && s.free().covers(c.need())) ? 1 : 0;
            tied += hasTie(c) ? 1 : 0;
            leftUnplaced += result.unplaced() > 0 && !result.instanceIds().isEmpty() ? 1 : 0;
            allPlaced += result.unplaced() == 0 && c.copies() > 0 ? 1 : 0;
            warmthDecided += !result.instanceIds().isEmpty() && !result.instanceIds().getFirst().equals(
                    CopyPlacement.place(c.slots(), "m", c.need(), c.copies()).instanceIds().getFirst()) ? 1 : 0;
        }
        // Guards the generator: the interesting cases must come up, or the invariants would hold vacuously.
        assertThat(overCommittedWithRoom).as("cases with an over-committed instance that free() says has room")
                .isGreaterThan(SEEDS / 20);
        assertThat(tied).as("cases where two instances that fit rank equal but for their id").isGreaterThan(SEEDS / 10);
        assertThat(leftUnplaced).as("cases that placed some copies and left others").isGreaterThan(SEEDS / 20);
        assertThat(allPlaced).as("cases that placed every copy").isGreaterThan(SEEDS / 10);
        assertThat(warmthDecided).as("cases where warmth chose another instance than spread and fit would")
                .isGreaterThan(SEEDS / 20);
    }

    /** Whether two instances that can take the first copy rank equal on warmth, spread and fit: only ids order them. */
    private static boolean hasTie(Case c) {
        List<InstanceSlot> fitting = c.slots().stream().filter(s -> s.capacity().covers(s.allocated().plus(c.need()))).toList();
        return fitting.stream().map(s -> List.of(s.warmBytesFor(NEEDS), (long) s.copiesOf("m"),
                        (long) s.free().accelerators(), s.free().memoryMb()))
                .distinct().count() < fitting.size();
    }

    private static CopyPlacement.Result check(Case c) {
        CopyPlacement.Result result = CopyPlacement.place(c.slots(), "m", c.need(), NEEDS, c.copies());
        String context = c + " -> " + result;

        // (b) every copy asked for is either placed or counted as unplaced.
        assertThat(result.instanceIds().size() + result.unplaced()).as("placed + unplaced; " + context).isEqualTo(c.copies());

        Map<String, Resources> after = new HashMap<>();
        c.slots().forEach(s -> after.put(s.instanceId(), s.allocated()));
        for (String id : result.instanceIds()) {
            assertThat(after).as("placed on an unknown instance; " + context).containsKey(id);
            after.merge(id, c.need(), Resources::plus);
        }
        for (InstanceSlot s : c.slots()) {
            String id = s.instanceId();
            // (a) never past capacity; an instance already past it receives nothing.
            if (s.capacity().covers(s.allocated())) {
                assertThat(s.capacity().covers(after.get(id))).as(id + " pushed past capacity; " + context).isTrue();
            } else {
                assertThat(result.instanceIds()).as("over-committed " + id + " received a copy; " + context).doesNotContain(id);
            }
            // (c) a copy is left unplaced only if no instance could take one more.
            if (result.unplaced() > 0) {
                assertThat(s.capacity().covers(after.get(id).plus(c.need())))
                        .as("left a copy unplaced though " + id + " had room; " + context).isFalse();
            }
        }

        // (d) determinism: the same input, rebuilt from the seed, gives the same result; so does a reversed list,
        // since ties break by instance id and not by position.
        assertThat(CopyPlacement.place(new Case(c.seed()).slots(), "m", c.need(), NEEDS, c.copies()))
                .as("same input, different result; " + context).isEqualTo(result);
        assertThat(CopyPlacement.place(c.slots().reversed(), "m", c.need(), NEEDS, c.copies()))
                .as("instance order changed the result; " + context).isEqualTo(result);

        // (e) each placed copy went to the warmest instance that fit, and its explanation says so consistently.
        assertThat(result.explanations()).extracting(PlacementExplanation::instanceId).as(context)
                .isEqualTo(result.instanceIds());
        for (PlacementExplanation e : result.explanations()) {
            checkCandidates(e, c, context);
            List<PlacementExplanation.Candidate> fitting = e.candidates().stream().filter(x -> x.fits()).toList();
            assertThat(fitting.getFirst().instanceId()).as("chosen is not rank 1; " + context).isEqualTo(e.instanceId());
            assertThat(fitting.getFirst().warmBytes()).as("a warmer instance fit; " + context)
                    .isEqualTo(fitting.stream().mapToLong(x -> x.warmBytes()).max().orElseThrow());
        }
        // (f) a shortfall is explained exactly when copies are left, and by instances none of which fit.
        assertThat(result.shortfall() != null).as(context).isEqualTo(result.unplaced() > 0);
        if (result.shortfall() != null) {
            checkCandidates(result.shortfall(), c, context);
            assertThat(result.shortfall().candidates()).as(context).noneMatch(x -> x.fits());
        }
        return result;
    }

    /** One candidate per instance; fits, a reason why not, and a rank agree; ranks count 1, 2, ... */
    private static void checkCandidates(PlacementExplanation e, Case c, String context) {
        assertThat(e.candidates()).extracting(PlacementExplanation.Candidate::instanceId).as(context)
                .containsExactlyInAnyOrderElementsOf(c.slots().stream().map(InstanceSlot::instanceId).toList());
        int rank = 0;
        for (PlacementExplanation.Candidate x : e.candidates()) {
            assertThat(x.whyNot() == null).as(context).isEqualTo(x.fits());
            assertThat(x.rank()).as(context).isEqualTo(x.fits() ? Integer.valueOf(++rank) : null);
        }
    }
}
