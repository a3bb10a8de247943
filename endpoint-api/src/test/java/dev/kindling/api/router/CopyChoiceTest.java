package dev.kindling.api.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.RoutingStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The copy a request goes to: least outstanding requests with random ties, or random; always counted in flight. */
class CopyChoiceTest {

    private static final long NOW = 5_000_000_000L;

    private final InvocationMetrics metrics = new InvocationMetrics(new SimpleMeterRegistry());

    private RoutedCopy[] copies(int... inFlight) {
        RoutedCopy[] cs = new RoutedCopy[inFlight.length];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = new RoutedCopy("kc-" + i, "http://127.0.0.1:" + (9000 + i), metrics, "ep", "ic");
            for (int n = 0; n < inFlight[i]; n++) cs[i].take();
        }
        return cs;
    }

    private static int[] inFlight(RoutedCopy[] cs) {
        return Arrays.stream(cs).mapToInt(RoutedCopy::inFlight).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            one copy takes every request            | 5       | 0
            the least busy copy wins                | 3 1 2   | 1
            the least busy copy wins when last      | 2 2 0   | 2
            an idle copy beats a busy one           | 0 7     | 0
            """)
    void leastOutstandingRequestsPicksTheCopyWithTheFewestInFlight(String label, String counts, int expected) {
        int[] before = Arrays.stream(counts.split(" ")).mapToInt(Integer::parseInt).toArray();
        RoutedCopy[] cs = copies(before);

        RoutedCopy chosen = CopyChoice.take(cs, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, new SplittableRandom(1), NOW);

        assertThat(chosen).isSameAs(cs[expected]);
        int[] after = before.clone();
        after[expected]++;
        assertThat(inFlight(cs)).as("the chosen copy counts the request").containsExactly(after);
    }

    @Test
    void tiesAreBrokenAtRandom() {
        RoutedCopy[] cs = copies(2, 0, 0);
        SplittableRandom random = new SplittableRandom(42);
        int[] chosen = new int[3];
        for (int i = 0; i < 3000; i++) {
            RoutedCopy c = CopyChoice.take(cs, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, random, NOW);
            chosen[Integer.parseInt(c.copyId.substring(3))]++;
            c.release();
        }
        assertThat(chosen[0]).isZero();
        assertThat(chosen[1]).isBetween(1300, 1700);
        assertThat(chosen[2]).isBetween(1300, 1700);
    }

    @Test
    void aBurstIsSpreadEvenly() {
        RoutedCopy[] cs = copies(0, 0, 0, 0);
        SplittableRandom random = new SplittableRandom(7);
        IntStream.range(0, 400).forEach(i -> CopyChoice.take(cs, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, random, NOW));
        assertThat(inFlight(cs)).containsExactly(100, 100, 100, 100);
    }

    @Test
    void randomIgnoresLoadAndSpreadsOverAllCopies() {
        RoutedCopy[] cs = copies(0, 9, 9, 9);
        SplittableRandom random = new SplittableRandom(3);
        int[] chosen = new int[4];
        for (int i = 0; i < 4000; i++) {
            RoutedCopy c = CopyChoice.take(cs, RoutingStrategy.RANDOM, random, NOW);
            chosen[Integer.parseInt(c.copyId.substring(3))]++;
            c.release();
        }
        assertThat(Arrays.stream(chosen).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
        assertThat(inFlight(cs)).containsExactly(0, 9, 9, 9);
    }

    @Test
    void noCopyNoChoice() {
        assertThat(CopyChoice.take(new RoutedCopy[0], RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, new SplittableRandom(1),
                NOW)).isNull();
    }

    @Test
    void aRetryGoesToAnotherCopyThanTheOneThatRefused() {
        RoutedCopy[] cs = copies(0, 5);
        assertThat(CopyChoice.takeOther(cs, cs[0], new SplittableRandom(1), NOW)).isSameAs(cs[1]);
        assertThat(inFlight(cs)).containsExactly(0, 6);
        assertThat(CopyChoice.takeOther(new RoutedCopy[] {cs[0]}, cs[0], new SplittableRandom(1), NOW)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an idle copy that refused is passed over          | LEAST_OUTSTANDING_REQUESTS | 0 4 | 0     | 1
            it is taken again once its time is up             | LEAST_OUTSTANDING_REQUESTS | 0 4 | -1    | 0
            when every copy refused, the least busy is tried  | LEAST_OUTSTANDING_REQUESTS | 0 4 | 0 1   | 0
            random passes it over too                         | RANDOM                     | 0 0 | 0     | 1
            """)
    void aCopyThatRefusedAConnectionIsAvoidedForAWhile(String label, RoutingStrategy strategy, String counts,
                                                        String avoided, int expected) {
        RoutedCopy[] cs = copies(Arrays.stream(counts.split(" ")).mapToInt(Integer::parseInt).toArray());
        for (String a : avoided.split(" ")) {
            int i = Integer.parseInt(a);
            if (i >= 0) cs[i].avoidUntil(NOW + 1);
            else cs[0].avoidUntil(NOW); // expired just now
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20; i++) {
            RoutedCopy c = CopyChoice.take(cs, strategy, random, NOW);
            assertThat(c).isSameAs(cs[expected]);
            c.release();
        }
    }

    @Test
    void aRetryPrefersACopyThatDidNotRefuse() {
        RoutedCopy[] cs = copies(0, 0, 3);
        cs[1].avoidUntil(NOW + 1);
        assertThat(CopyChoice.takeOther(cs, cs[0], new SplittableRandom(1), NOW)).isSameAs(cs[2]);
        cs[2].avoidUntil(NOW + 1);
        assertThat(CopyChoice.takeOther(cs, cs[0], new SplittableRandom(1), NOW)).as("all others refused too")
                .isSameAs(cs[1]);
    }
}
