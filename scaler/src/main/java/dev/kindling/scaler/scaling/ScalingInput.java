package dev.kindling.scaler.scaling;

import dev.kindling.scaler.metrics.LoadReadings;
import java.time.Instant;
import java.util.Objects;

/**
 * What the copy scaler sees of one component at a tick.
 *
 * @param currentCopies the desired copy count now in force
 * @param readyCopies   copies serving now (named in reasons; fewer than current while copies start)
 * @param heldRequests  requests waiting because no copy can take them (at zero copies: waiting for the first)
 * @param oldestHeldAt  when the oldest of them arrived; null when none wait
 */
public record ScalingInput(int currentCopies, int readyCopies, LoadReadings readings, int heldRequests, Instant oldestHeldAt) {

    public ScalingInput {
        if (currentCopies < 0 || readyCopies < 0 || heldRequests < 0) {
            throw new IllegalArgumentException("copy and request counts must be 0 or more, were current "
                    + currentCopies + ", ready " + readyCopies + ", held " + heldRequests);
        }
        Objects.requireNonNull(readings, "readings");
    }
}
