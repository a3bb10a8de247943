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

        RoutedCopy chosen = CopyChoice.take(cs, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, new SplittableRandom(1));

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
            RoutedCopy c = CopyChoice.take(cs, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, random);
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
        IntStream.range(0, 400).forEach(i -> CopyChoice.take(cs, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, random));
        assertThat(inFlight(cs)).containsExactly(100, 100, 100, 100);
    }

    @Test
    void randomIgnoresLoadAndSpreadsOverAllCopies() {
        RoutedCopy[] cs = copies(0, 9, 9, 9);
        SplittableRandom random = new SplittableRandom(3);
        int[] chosen = new int[4];
        for (int i = 0; i < 4000; i++) {
            RoutedCopy c = CopyChoice.take(cs, RoutingStrategy.RANDOM, random);
            chosen[Integer.parseInt(c.copyId.substring(3))]++;
            c.release();
        }
        assertThat(Arrays.stream(chosen).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
        assertThat(inFlight(cs)).containsExactly(0, 9, 9, 9);
    }

    @Test
    void noCopyNoChoice() {
        assertThat(CopyChoice.take(new RoutedCopy[0], RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, new SplittableRandom(1)))
                .isNull();
    }

    @Test
    void aRetryGoesToAnotherCopyThanTheOneThatRefused() {
        RoutedCopy[] cs = copies(0, 5);
        assertThat(CopyChoice.takeOther(cs, cs[0], new SplittableRandom(1))).isSameAs(cs[1]);
        assertThat(inFlight(cs)).containsExactly(0, 6);
        assertThat(CopyChoice.takeOther(new RoutedCopy[] {cs[0]}, cs[0], new SplittableRandom(1))).isNull();
    }
}
