package dev.kindling.api.router;

import java.time.Instant;

/**
 * Told once per copy (per router instance) when the copy first answers a request with 2xx: the moment a scale-out
 * serves. Called on an event-loop thread: an implementation must not block.
 */
@FunctionalInterface
public interface CopyServedListener {

    void firstServed(String copyId, Instant at);

    /** Listens to nothing: the router's fallback when no bean is defined. */
    CopyServedListener NONE = (copyId, at) -> { };
}
