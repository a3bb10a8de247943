package dev.kindling.cache.endpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether an endpoint's cache volume must be (re)built now, and why. A new generation is built when the endpoint has
 * none yet, when its plan changed (a component's image or model changed, or model caching was switched), when agents
 * reported the ready generation missing or corrupt, and again after a failed build once its backoff has passed. One
 * build runs per endpoint at a time; a build the manager does not run itself (it was started by a replica that no
 * longer leads) counts as interrupted and is replaced.
 *
 * @param action what to do
 * @param reason why, in words for logs and the caches API ({@code planned}, {@code plan-changed}, {@code fault: ...})
 * @param retryAt for {@link Action#WAIT}: when a failed build may be retried
 */
public record CacheBuildDecision(Action action, String reason, Instant retryAt) {

    public enum Action {
        /** Start building generation n + 1 with the wanted plan. */
        BUILD,
        /** Record an empty cache (generation 0): nothing to build yet, but the endpoint gets its peer token. */
        RECORD,
        /** A failed build waits for its backoff. */
        WAIT,
        /** Nothing to do. */
        NONE
    }

    public CacheBuildDecision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
    }

    static CacheBuildDecision build(String reason) {
        return new CacheBuildDecision(Action.BUILD, reason, null);
    }

    static CacheBuildDecision none(String reason) {
        return new CacheBuildDecision(Action.NONE, reason, null);
    }

    /**
     * Decides for one endpoint.
     *
     * @param state the stored record, or null when the endpoint has none
     * @param wanted the plan of the endpoint's components now, with the global switches applied
     * @param buildRunningHere whether this manager is building a generation of the endpoint right now
     */
    public static CacheBuildDecision decide(EndpointCacheState state, EndpointCachePlan wanted, boolean buildRunningHere,
                                            Instant now, BuildSettings settings) {
        if (buildRunningHere) return none("a build is under way");
        if (state == null) {
            return wanted.isEmpty() ? new CacheBuildDecision(Action.RECORD, "nothing to cache yet", null) : build("planned");
        }
        boolean planChanged = !wanted.equals(state.plan());
        // An empty plan never builds: the volume agents have stays, and holding nothing it would save nothing.
        if (wanted.isEmpty()) return none(planChanged ? "nothing to cache; the ready volume stays" : "nothing to cache");
        return switch (state.status()) {
            case Building -> build("interrupted: generation " + state.generation() + " was being built by a replica "
                    + "that no longer leads");
            case Ready -> {
                if (planChanged) yield build("plan-changed");
                if (state.faults() > 0 && state.readyGeneration() != null) {
                    yield build("fault: " + state.faults() + (state.faults() == 1 ? " fault" : " faults")
                            + " reported on generation " + state.readyGeneration());
                }
                yield none("generation " + state.generation() + " is ready and current");
            }
            case Failed -> {
                if (planChanged) yield build("plan-changed");
                long failures = Math.max(1, state.attemptsSinceReady());
                Instant retryAt = (state.attemptedAt() == null ? now : state.attemptedAt()).plus(settings.backoffAfter(failures));
                String failed = "generation " + state.generation() + " failed"
                        + (failures > 1 ? " (" + failures + " failures in a row)" : "");
                yield now.isBefore(retryAt) ? new CacheBuildDecision(Action.WAIT, failed + "; retry at " + retryAt, retryAt)
                        : build("retry: " + failed);
            }
        };
    }
}
