package dev.kindling.api.router;

import dev.kindling.db.model.RoutingStrategy;
import java.util.random.RandomGenerator;

/**
 * Picks the copy for a request and counts it in flight there: the copy with the fewest requests in flight (at random
 * among ties), or any copy at random. Copies that recently refused a connection are passed over while another copy
 * is there. O(copies), no allocation.
 */
final class CopyChoice {

    private CopyChoice() {}

    /** The copy that takes the request, already counting it; null when there is none. */
    static RoutedCopy take(RoutedCopy[] copies, RoutingStrategy strategy, RandomGenerator random, long nowNanos) {
        int n = copies.length;
        if (n == 0) return null;
        if (n == 1) {
            copies[0].take();
            return copies[0];
        }
        if (strategy == RoutingStrategy.RANDOM) {
            RoutedCopy c = copies[random.nextInt(n)];
            if (c.avoided(nowNanos)) c = randomNotAvoided(copies, random, nowNanos, c);
            c.take();
            return c;
        }
        boolean skipAvoided = !allAvoided(copies, nowNanos);
        while (true) {
            RoutedCopy best = null;
            int least = Integer.MAX_VALUE;
            int ties = 0;
            for (RoutedCopy c : copies) {
                if (skipAvoided && c.avoided(nowNanos)) continue;
                int f = c.inFlight();
                if (f < least) {
                    least = f;
                    best = c;
                    ties = 1;
                } else if (f == least && random.nextInt(++ties) == 0) {
                    best = c; // reservoir sampling: each of the tied copies ends up chosen with probability 1/ties
                }
            }
            if (best == null) {
                skipAvoided = false; // the copies not avoided came to be avoided meanwhile
                continue;
            }
            // Another request may have taken the same copy meanwhile: then choose again, so a burst spreads evenly.
            if (best.take(least)) return best;
        }
    }

    /** Uniform over the copies not avoided; {@code fallback} when every copy is. */
    private static RoutedCopy randomNotAvoided(RoutedCopy[] copies, RandomGenerator random, long nowNanos,
                                              RoutedCopy fallback) {
        int usable = 0;
        for (RoutedCopy c : copies) {
            if (!c.avoided(nowNanos)) usable++;
        }
        if (usable == 0) return fallback;
        int pick = random.nextInt(usable);
        for (RoutedCopy c : copies) {
            if (!c.avoided(nowNanos) && pick-- == 0) return c;
        }
        return fallback; // a copy came to be avoided meanwhile
    }

    private static boolean allAvoided(RoutedCopy[] copies, long nowNanos) {
        for (RoutedCopy c : copies) {
            if (!c.avoided(nowNanos)) return false;
        }
        return true;
    }

    /**
     * The least busy copy but {@code excluded} (one that just refused the connection), preferring copies not avoided;
     * null when there is no other.
     */
    static RoutedCopy takeOther(RoutedCopy[] copies, RoutedCopy excluded, RandomGenerator random, long nowNanos) {
        RoutedCopy best = null;
        boolean bestAvoided = true;
        int least = Integer.MAX_VALUE;
        int ties = 0;
        for (RoutedCopy c : copies) {
            if (c == excluded || c.copyId.equals(excluded.copyId)) continue;
            boolean avoided = c.avoided(nowNanos);
            if (avoided && !bestAvoided) continue;
            if (!avoided && bestAvoided) {
                best = null; // the first copy not avoided beats every avoided one
                least = Integer.MAX_VALUE;
                bestAvoided = false;
            }
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
