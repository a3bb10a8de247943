package dev.kindling.db.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Endpoints and inference components are updated read-modify-write by the API and the reconciler at once; the
 * version check is what keeps one writer from silently undoing another's change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OptimisticConcurrencyIT {

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        f.config("shared");
        f.endpoint("parent", "shared");
    }

    @AfterAll
    void stop() {
        f.close();
    }

    /** What the test compares before and after a write. */
    record Snapshot(long version, String failureReason, String status) {}

    interface Updater {
        /** Writes failureReason {@code mark} (and a changed status) if the stored version is {@code expected}. */
        Mono<Boolean> update(String name, long expected, String mark);
    }

    record Versioned(String label, Consumer<String> create, Updater updater, Function<String, Snapshot> read) {
        @Override
        public String toString() {
            return label;
        }
    }

    Stream<Versioned> stores() {
        return Stream.of(
                new Versioned("endpoint", n -> f.endpoint(n, "shared"),
                        (n, v, mark) -> f.endpoints.update(new Endpoint(n, "shared", EndpointStatus.Failed, mark,
                                StoreFixture.T0, StoreFixture.T0.plusSeconds(5), StoreFixture.T0.plusSeconds(5), 0), v),
                        n -> {
                            Endpoint e = f.endpoints.find(n).block();
                            return new Snapshot(e.version(), e.failureReason(), e.status().name());
                        }),
                new Versioned("inference component", n -> f.component(n, "parent"),
                        (n, v, mark) -> f.components.update(new InferenceComponent(n, "parent", "AllTraffic",
                                StoreFixture.SPEC, 2, 3, ComponentStatus.Failed, mark, StoreFixture.T0,
                                StoreFixture.T0.plusSeconds(5), StoreFixture.T0.plusSeconds(5), 0), v),
                        n -> {
                            InferenceComponent c = f.components.find(n).block();
                            return new Snapshot(c.version(), c.failureReason(), c.status().name());
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anUpdateAtTheCurrentVersionBumpsItByOne(Versioned s) {
        s.create().accept("cur");
        Snapshot before = s.read().apply("cur");

        assertThat(s.updater().update("cur", before.version(), "mine").block()).isTrue();

        assertThat(s.read().apply("cur")).isEqualTo(new Snapshot(before.version() + 1, "mine", "Failed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anUpdateAtAStaleVersionChangesNothing(Versioned s) {
        s.create().accept("stale");
        long read = s.read().apply("stale").version();
        assertThat(s.updater().update("stale", read, "first writer").block()).isTrue();
        Snapshot afterFirst = s.read().apply("stale");

        // The second writer read the same version as the first one.
        assertThat(s.updater().update("stale", read, "second writer").block()).isFalse();
        assertThat(s.updater().update("stale", afterFirst.version() + 1, "from the future").block()).isFalse();

        assertThat(s.read().apply("stale")).isEqualTo(afterFirst);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anUpdateOfAMissingRowIsRefused(Versioned s) {
        assertThat(s.updater().update("never-created", 1, "x").block()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void ofTwentyConcurrentUpdatesAtOneVersionExactlyOneWins(Versioned s) {
        s.create().accept("race");
        long read = s.read().apply("race").version();

        // All twenty are subscribed at once on parallel threads, so up to the pool's size reach PostgreSQL together.
        List<Integer> winners = Flux.range(0, 20)
                .flatMap(i -> s.updater().update("race", read, "racer-" + i).subscribeOn(Schedulers.parallel())
                        .filter(ok -> ok).map(ok -> i), 20)
                .collectList()
                .block();
        assertThat(winners).hasSize(1);

        // The row holds the winner's write, and only one version step was taken.
        assertThat(s.read().apply("race")).isEqualTo(new Snapshot(read + 1, "racer-" + winners.getFirst(), "Failed"));
    }
}
