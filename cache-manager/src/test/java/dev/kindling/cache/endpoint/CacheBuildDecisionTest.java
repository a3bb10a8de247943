package dev.kindling.cache.endpoint;

import static dev.kindling.cache.endpoint.CacheBuildDecision.Action.BUILD;
import static dev.kindling.cache.endpoint.CacheBuildDecision.Action.NONE;
import static dev.kindling.cache.endpoint.CacheBuildDecision.Action.RECORD;
import static dev.kindling.cache.endpoint.CacheBuildDecision.Action.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.cache.endpoint.CacheBuildDecision.Action;
import dev.kindling.cache.endpoint.EndpointCacheState.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When an endpoint's cache volume is built, as named rows: what is stored, what is wanted, and what follows. */
class CacheBuildDecisionTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final BuildSettings SETTINGS = new BuildSettings(Duration.ofSeconds(5), Duration.ofSeconds(60));
    private static final EndpointCachePlan A = new EndpointCachePlan(List.of("repo/a:1"), List.of("s3://m/a.tar.gz"));
    private static final EndpointCachePlan B = new EndpointCachePlan(List.of("repo/a:1", "repo/b:1"), List.of("s3://m/a.tar.gz"));
    private static final EndpointCachePlan IMAGE_ONLY = new EndpointCachePlan(List.of("repo/a:1"), List.of());

    private static EndpointCacheState ready(long generation, EndpointCachePlan plan, long faults) {
        return new EndpointCacheState(generation, Status.Ready, plan, generation, faults, NOW.minusSeconds(300), null);
    }

    private static EndpointCacheState failed(long generation, Long readyGeneration, EndpointCachePlan plan, Instant at) {
        return new EndpointCacheState(generation, Status.Failed, plan, readyGeneration, 0, at, "registry unreachable");
    }

    private static EndpointCacheState building(long generation, EndpointCachePlan plan) {
        return new EndpointCacheState(generation, Status.Building, plan, generation - 1 == 0 ? null : generation - 1, 0,
                null, null);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("no record and something to cache: the first build", null, A, false, BUILD, "planned"),
                Arguments.of("no record and nothing to cache: an empty record for the peer token", null,
                        EndpointCachePlan.EMPTY, false, RECORD, "nothing to cache yet"),
                Arguments.of("the empty record gets its first build once a component names an image",
                        new EndpointCacheState(0, Status.Ready, EndpointCachePlan.EMPTY, null, 0, NOW, null), A, false,
                        BUILD, "plan-changed"),
                Arguments.of("ready and current: nothing", ready(2, A, 0), A, false, NONE, "generation 2 is ready and current"),
                Arguments.of("a component added an image: rebuild", ready(2, A, 0), B, false, BUILD, "plan-changed"),
                Arguments.of("model caching switched off for the only model: rebuild", ready(2, A, 0), IMAGE_ONLY, false,
                        BUILD, "plan-changed"),
                Arguments.of("a fault on the ready generation: rebuild", ready(3, A, 1), A, false, BUILD,
                        "fault: 1 fault reported on generation 3"),
                Arguments.of("several faults make one rebuild", ready(3, A, 4), A, false, BUILD,
                        "fault: 4 faults reported on generation 3"),
                Arguments.of("a build under way here: wait for it, whatever changed", building(4, A), B, true, NONE,
                        "a build is under way"),
                Arguments.of("faults while a build runs here wait for it", ready(3, A, 2), A, true, NONE,
                        "a build is under way"),
                Arguments.of("building, but not here: the replica that built it no longer leads", building(4, A), A, false,
                        BUILD, "interrupted: generation 4 was being built by a replica that no longer leads"),
                Arguments.of("failed once, within the backoff: wait", failed(2, 1L, A, NOW.minusSeconds(2)), A, false, WAIT,
                        "generation 2 failed; retry at 2026-03-01T12:00:03Z"),
                Arguments.of("failed once, backoff passed: retry", failed(2, 1L, A, NOW.minusSeconds(5)), A, false, BUILD,
                        "retry: generation 2 failed"),
                Arguments.of("failed three times in a row: the backoff doubles twice",
                        failed(4, 1L, A, NOW.minusSeconds(19)), A, false, WAIT,
                        "generation 4 failed (3 failures in a row); retry at 2026-03-01T12:00:01Z"),
                Arguments.of("failed from the start, counted from generation 1", failed(2, null, A, NOW.minusSeconds(10)), A,
                        false, BUILD, "retry: generation 2 failed (2 failures in a row)"),
                Arguments.of("the backoff never exceeds its maximum", failed(40, 1L, A, NOW.minusSeconds(60)), A, false,
                        BUILD, "retry: generation 40 failed (39 failures in a row)"),
                Arguments.of("failed, and the plan changed: build now", failed(2, 1L, A, NOW), B, false, BUILD, "plan-changed"),
                Arguments.of("every component gone: the ready volume stays", ready(2, A, 0), EndpointCachePlan.EMPTY, false,
                        NONE, "nothing to cache; the ready volume stays"),
                Arguments.of("nothing to cache never builds, faults or not", ready(2, EndpointCachePlan.EMPTY, 3),
                        EndpointCachePlan.EMPTY, false, NONE, "nothing to cache"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String label, EndpointCacheState state, EndpointCachePlan wanted, boolean running, Action action,
                 String reason) {
        CacheBuildDecision d = CacheBuildDecision.decide(state, wanted, running, NOW, SETTINGS);
        assertThat(d.action()).isEqualTo(action);
        assertThat(d.reason()).isEqualTo(reason);
        assertThat(d.retryAt() != null).isEqualTo(action == WAIT);
    }

    @Test
    void plansOfTheSameComponentsAreEqualHoweverListed() {
        EndpointCachePlan one = EndpointCachePlan.of(List.of(
                new EndpointCachePlan.ComponentSources("repo/b:1", "s3://m/b", true),
                new EndpointCachePlan.ComponentSources("repo/a:1", "s3://m/a", false)));
        EndpointCachePlan two = EndpointCachePlan.of(List.of(
                new EndpointCachePlan.ComponentSources("repo/a:1", "s3://m/a", false),
                new EndpointCachePlan.ComponentSources("repo/b:1", "s3://m/b", true),
                new EndpointCachePlan.ComponentSources("repo/b:1", "s3://m/b", true)));
        assertThat(one).isEqualTo(two);
        assertThat(one.images()).containsExactly("repo/a:1", "repo/b:1");
        assertThat(one.models()).containsExactly("s3://m/b");
    }

    static Stream<Arguments> backoffs() {
        return Stream.of(
                Arguments.of("first failure waits the base", 1L, Duration.ofSeconds(5)),
                Arguments.of("second doubles", 2L, Duration.ofSeconds(10)),
                Arguments.of("fourth doubles thrice", 4L, Duration.ofSeconds(40)),
                Arguments.of("capped at the maximum", 5L, Duration.ofSeconds(60)),
                Arguments.of("very many failures stay capped", 1_000L, Duration.ofSeconds(60)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backoffs")
    void backsOff(String label, long failures, Duration wait) {
        assertThat(SETTINGS.backoffAfter(failures)).isEqualTo(wait);
    }
}
