package dev.kindling.cache.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Resource amounts: exact arithmetic in milli-cores, clamped subtraction, covering, and no negative amounts. */
class ResourcesTest {

    private static Resources r(int accelerators, long cpuMillis, long memoryMb) {
        return new Resources(accelerators, cpuMillis, memoryMb);
    }

    static Stream<Arguments> arithmetic() {
        return Stream.of(
                Arguments.of("plus adds each part", r(1, 250, 10).plus(r(2, 500, 5)), r(3, 750, 15)),
                Arguments.of("plus NONE is identity", r(1, 250, 10).plus(Resources.NONE), r(1, 250, 10)),
                Arguments.of("minus takes each part", r(4, 1000, 100).minusClamped(r(1, 250, 40)), r(3, 750, 60)),
                Arguments.of("minus to exactly zero", r(4, 1000, 100).minusClamped(r(4, 1000, 100)), Resources.NONE),
                // Each part clamps on its own: an instance over on memory still reports its free CPU.
                Arguments.of("minus clamps each part on its own", r(1, 100, 10).minusClamped(r(3, 50, 20)), r(0, 50, 0)),
                Arguments.of("free of an over-committed instance", new InstanceSlot("i", r(4, 1000, 100), r(5, 200, 100),
                        java.util.Map.of()).free(), r(0, 800, 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arithmetic")
    void computes(String label, Resources actual, Resources expected) {
        assertThat(actual).isEqualTo(expected);
    }

    static Stream<Arguments> covering() {
        Resources have = r(2, 4000, 1024);
        return Stream.of(
                Arguments.of("equal amounts", have, r(2, 4000, 1024), true),
                Arguments.of("less in every part", have, r(1, 1000, 512), true),
                Arguments.of("nothing", have, Resources.NONE, true),
                Arguments.of("nothing from nothing", Resources.NONE, Resources.NONE, true),
                Arguments.of("one accelerator too many", have, r(3, 4000, 1024), false),
                Arguments.of("one milli-core too many", have, r(2, 4001, 1024), false),
                Arguments.of("one MiB too many", have, r(2, 4000, 1025), false),
                // Plenty of one resource never makes up for a shortfall in another.
                Arguments.of("short in one part, spare in the others", have, r(0, 0, 2048), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("covering")
    void covers(String label, Resources have, Resources need, boolean expected) {
        assertThat(have.covers(need)).isEqualTo(expected);
        assertThat(CopyPlacement.couldEverFit(have, need)).isEqualTo(expected);
    }

    static Stream<Arguments> cpuRounding() {
        return Stream.of(
                Arguments.of("a quarter core", 0.25, 250L),
                Arguments.of("whole cores", 2.0, 2000L),
                Arguments.of("a core and a half", 1.5, 1500L),
                Arguments.of("SageMaker's largest", 512.0, 512_000L),
                // 0.1 + 0.2 is 0.30000000000000004 as a double; milli-cores make it exactly 300.
                Arguments.of("binary fraction noise", 0.1 + 0.2, 300L),
                Arguments.of("below half a milli-core rounds down", 0.0004, 0L),
                Arguments.of("above half a milli-core rounds up", 0.0006, 1L),
                Arguments.of("fraction of a milli-core on a whole core", 2.0004, 2000L),
                Arguments.of("negative zero is zero", -0.0, 0L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cpuRounding")
    void roundsCoresToMilliCores(String label, double cores, long millis) {
        Resources res = Resources.of(1, cores, 64);
        assertThat(res).isEqualTo(r(1, millis, 64));
        assertThat(res.cpuCores()).isEqualTo(millis / 1000.0);
    }

    @Test
    void sumsOfFractionalCoresAreExact() {
        // Ten tenths of a core must be one core, or ten copies would not fit where one core is left.
        Resources sum = Resources.NONE;
        for (int i = 0; i < 10; i++) {
            sum = sum.plus(Resources.of(0, 0.1, 0));
        }
        assertThat(sum).isEqualTo(Resources.of(0, 1.0, 0));
        assertThat(r(0, 1000, 0).covers(sum)).isTrue();
    }

    static Stream<Arguments> negatives() {
        return Stream.of(
                Arguments.of("negative accelerators", (Supplier<Resources>) () -> r(-1, 0, 0)),
                Arguments.of("negative milli-cores", (Supplier<Resources>) () -> r(0, -1, 0)),
                Arguments.of("negative memory", (Supplier<Resources>) () -> r(0, 0, -1)),
                Arguments.of("of: negative accelerators", (Supplier<Resources>) () -> Resources.of(-1, 1, 1)),
                Arguments.of("of: negative cores", (Supplier<Resources>) () -> Resources.of(0, -1, 1)),
                Arguments.of("of: negative memory", (Supplier<Resources>) () -> Resources.of(0, 1, -1)),
                // Rounding must not launder a negative request into zero, nor NaN into "needs no CPU".
                Arguments.of("of: negative cores that round to zero", (Supplier<Resources>) () -> Resources.of(0, -0.0004, 1)),
                Arguments.of("of: NaN cores", (Supplier<Resources>) () -> Resources.of(0, Double.NaN, 1)),
                Arguments.of("of: minus infinity cores", (Supplier<Resources>) () -> Resources.of(0, Double.NEGATIVE_INFINITY, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("negatives")
    void rejectsNegativeAmounts(String label, Supplier<Resources> make) {
        assertThatThrownBy(make::get).isInstanceOf(IllegalArgumentException.class);
    }
}
