package dev.kindling.api.router;

import java.time.Instant;
import java.util.List;

/** What the scaler reads of the router, once per tick. */
public interface LoadSampler {

    /**
     * The load of every component seen since the previous drain: those that had requests, and those with copies or
     * held requests even without traffic; starts the next interval.
     */
    List<ComponentLoad> drain(Instant now);
}
