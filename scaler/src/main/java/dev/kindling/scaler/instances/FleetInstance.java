package dev.kindling.scaler.instances;

import java.time.Instant;
import java.util.Objects;

/**
 * One instance of a variant's fleet as the instance scaler sees it.
 *
 * @param inService   false while it is still launching (pending): it will take copies soon
 * @param idleSince   when its last copy left; null while it holds copies
 * @param cachedBytes image and model bytes in its data cache: a warm instance is worth keeping
 */
public record FleetInstance(String id, boolean inService, int copies, Instant idleSince, long cachedBytes, Instant launchedAt) {

    public FleetInstance {
        Objects.requireNonNull(id, "id");
        if (copies < 0 || cachedBytes < 0) {
            throw new IllegalArgumentException("instance " + id + ": copies and cachedBytes must be 0 or more, were "
                    + copies + " and " + cachedBytes);
        }
    }
}
