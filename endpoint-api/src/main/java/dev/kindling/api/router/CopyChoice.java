package dev.kindling.api.router;

import dev.kindling.db.model.RoutingStrategy;
import java.util.random.RandomGenerator;

/**
 * Picks the copy for a request and counts it in flight there: the copy with the fewest requests in flight (at random
 * among ties), or any copy at random. O(copies), no allocation.
 */
final class CopyChoice {

    private CopyChoice() {}

    /** The copy that takes the request, already counting it; null when there is none. */
    static RoutedCopy take(RoutedCopy[] copies, RoutingStrategy strategy, RandomGenerator random) {
        int n = copies.length;
        if (n == 0) return null;
        if (n == 1 || strategy == RoutingStrategy.RANDOM) {
            RoutedCopy c = copies[n == 1 ? 0 : random.nextInt(n)];
            c.take();
            return c;
        }
        while (true) {
            RoutedCopy best = null;
            int least = Integer.MAX_VALUE;
            int ties = 0;
            for (RoutedCopy c : copies) {
                int f = c.inFlight();
                if (f < least) {
                    least = f;
                    best = c;
                    ties = 1;
                } else if (f == least && random.nextInt(++ties) == 0) {
                    best = c; // reservoir sampling: each of the tied copies ends up chosen with probability 1/ties
                }
            }
            // Another request may have taken the same copy meanwhile: then choose again, so a burst spreads evenly.
            if (best.take(least)) return best;
        }
    }

    /** Like {@link #take}, but never {@code excluded} (a copy that just refused the connection). */
    static RoutedCopy takeOther(RoutedCopy[] copies, RoutedCopy excluded, RandomGenerator random) {
        RoutedCopy best = null;
        int least = Integer.MAX_VALUE;
        int ties = 0;
        for (RoutedCopy c : copies) {
            if (c == excluded || c.copyId.equals(excluded.copyId)) continue;
            int f = c.inFlight();
            if (f < least) {
                least = f;
                best = c;
                ties = 1;
            } else if (f == least && random.nextInt(++ties) == 0) {
                best = c;
            }
        }
        if (best != null) best.take();
        return best;
    }
}
