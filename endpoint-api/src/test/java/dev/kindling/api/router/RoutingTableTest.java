package dev.kindling.api.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.ComponentRoute;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.CopyRoute;
import dev.kindling.db.model.RoutingSnapshot;
import dev.kindling.db.model.RoutingStrategy;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The routing table as the router and the scaler see it, fed snapshots by hand: which component a request is for,
 * held requests released when a copy arrives, copies and meters kept or removed across rebuilds, and the load
 * integral on a clock moved by hand.
 */
class RoutingTableTest {

    private static final RouterSettings SETTINGS = new RouterSettings(100, Duration.ofMinutes(5), Duration.ofSeconds(60),
            6 << 20, Duration.ofMillis(250), Duration.ofSeconds(1), 16, 100);
    private static final long SECOND = 1_000_000_000L;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    private final AtomicLong nanos = new AtomicLong(1_000 * SECOND);
    private final List<String> demanded = new ArrayList<>();
    private final AtomicReference<RoutingSnapshot> stored = new AtomicReference<>();
    private final RoutingTable table = new RoutingTable(() -> Mono.justOrEmpty(stored.get())
            .switchIfEmpty(Mono.error(() -> new IllegalStateException("the database is down"))), SETTINGS, registry, timer,
            nanos::get, () -> (endpoint, component) -> demanded.add(endpoint + "/" + component));

    private static ComponentRoute component(String endpoint, String name, ComponentStatus status) {
        return new ComponentRoute(endpoint, name, "AllTraffic", status, status == ComponentStatus.Failed ? "CUDA error" : null,
                RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
    }

    private static CopyRoute copy(String id, String component) {
        return new CopyRoute(id, component, "http://127.0.0.1:9" + id.hashCode() % 1000);
    }

    /** Endpoints "one" (component "solo"), "two" ("a", "b"), "none" (no component), "sick" ("failed", "leaving"). */
    private static RoutingSnapshot endpoints(List<CopyRoute> copies) {
        return new RoutingSnapshot(List.of("one", "two", "none", "sick"), List.of(
                component("one", "solo", ComponentStatus.InService),
                component("two", "a", ComponentStatus.InService),
                component("two", "b", ComponentStatus.Creating),
                component("sick", "failed", ComponentStatus.Failed),
                component("sick", "leaving", ComponentStatus.Deleting)), copies);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            the named component                          | two  | b       | b
            the only component when none is named        | one  | -       | solo
            the only component when the name is empty    | one  | ''      | solo
            the named one even if it is the only one     | one  | solo    | solo
            """)
    void aRequestGoesToItsComponent(String label, String endpoint, String component, String expected) {
        table.apply(endpoints(List.of()));
        assertThat(table.resolve(endpoint, component, "X-Component").componentName).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            an unknown endpoint                          | nope | -       | NOT_FOUND  | endpoint nope does not exist
            an unknown component                         | two  | c       | NOT_FOUND  | endpoint two has no inference component c
            a component of another endpoint              | one  | a       | NOT_FOUND  | endpoint one has no inference component a
            no name where there are two                  | two  | -       | VALIDATION | [a, b]; name one in the X-Component header
            no name where there is none                  | none | -       | VALIDATION | endpoint none has no inference components
            a component being deleted                    | sick | leaving | NOT_FOUND  | is being deleted
            """)
    void aRequestForNoUsableComponentIsRefused(String label, String endpoint, String component, RouterException.Code code,
                                              String message) {
        table.apply(endpoints(List.of()));
        assertThatThrownBy(() -> table.resolve(endpoint, component, "X-Component"))
                .isInstanceOfSatisfying(RouterException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(message);
                });
    }

    @Test
    void aFailedComponentWithoutCopiesRefusesAtOnceWith503() {
        table.apply(endpoints(List.of()));
        RoutedComponent failed = table.resolve("sick", "failed", "X-Component");
        AtomicReference<Throwable> error = new AtomicReference<>();
        failed.acquire(nanos.get(), n -> { }).subscribe(null, error::set);
        assertThat(error.get()).isInstanceOfSatisfying(RouterException.class, e -> {
            assertThat(e.code()).isEqualTo(RouterException.Code.NO_CAPACITY);
            assertThat(e.getMessage()).contains("failed", "CUDA error");
        });
        assertThat(demanded).isEmpty();
    }

    @Test
    void aRequestHeldForAComponentWithoutCopiesAsksForCapacityAndGoesToTheFirstCopy() {
        table.apply(endpoints(List.of()));
        RoutedComponent b = table.resolve("two", "b", "X-Component");
        AtomicReference<RoutedCopy> got = new AtomicReference<>();
        AtomicLong waited = new AtomicLong(-1);
        b.acquire(nanos.get(), waited::set).subscribe(got::set);
        assertThat(b.held()).isEqualTo(1);
        assertThat(demanded).containsExactly("two/b");

        nanos.addAndGet(3 * SECOND);
        table.apply(endpoints(List.of(copy("kc-b1", "b"))));

        assertThat(got.get().copyId).isEqualTo("kc-b1");
        assertThat(got.get().inFlight()).isEqualTo(1);
        assertThat(waited).hasValue(3 * SECOND);
        assertThat(b.held()).isZero();
    }

    @Test
    void heldRequestsAskForCapacityAtMostOnceASecond() {
        table.apply(endpoints(List.of()));
        RoutedComponent b = table.resolve("two", "b", "X-Component");
        b.acquire(nanos.get(), n -> { }).subscribe();
        nanos.addAndGet(SECOND / 2);
        b.acquire(nanos.get(), n -> { }).subscribe();
        assertThat(demanded).containsExactly("two/b");
        nanos.addAndGet(SECOND / 2);
        b.acquire(nanos.get(), n -> { }).subscribe();
        assertThat(demanded).containsExactly("two/b", "two/b");
    }

    @Test
    void aComponentDeletedWhileRequestsWaitAnswersThemWith404() {
        table.apply(endpoints(List.of()));
        RoutedComponent b = table.resolve("two", "b", "X-Component");
        AtomicReference<Throwable> error = new AtomicReference<>();
        b.acquire(nanos.get(), n -> { }).subscribe(null, error::set);

        table.apply(new RoutingSnapshot(List.of("two"), List.of(component("two", "a", ComponentStatus.InService)),
                List.of()));

        assertThat(error.get()).isInstanceOfSatisfying(RouterException.class,
                e -> assertThat(e.code()).isEqualTo(RouterException.Code.NOT_FOUND));
    }

    @Test
    void stoppingAnswersHeldRequestsWith503AndStartingHoldsAgain() {
        stored.set(endpoints(List.of()));
        table.apply(stored.get());
        RoutedComponent b = table.component("b");
        AtomicReference<Throwable> error = new AtomicReference<>();
        b.acquire(nanos.get(), n -> { }).subscribe(null, error::set);

        table.stop();
        assertThat(error.get()).isInstanceOfSatisfying(RouterException.class, e -> {
            assertThat(e.code()).isEqualTo(RouterException.Code.NO_CAPACITY);
            assertThat(e.getMessage()).contains("shutting down");
        });

        table.start();
        try {
            b.acquire(nanos.get(), n -> { }).subscribe();
            assertThat(b.held()).isEqualTo(1);
        } finally {
            table.stop();
        }
    }

    @Test
    void copiesKeepTheirInFlightCountsAcrossRebuildsAndLoseTheirMetersWhenTheyLeave() {
        table.apply(endpoints(List.of(copy("kc-1", "a"), copy("kc-2", "a"))));
        RoutedComponent a = table.component("a");
        RoutedCopy first = a.take();
        assertThat(copyMeters("kc-1")).isNotEmpty();
        assertThat(copyMeters("kc-2")).isNotEmpty();

        table.apply(endpoints(List.of(copy("kc-1", "a"), copy("kc-2", "a"))));
        assertThat(table.component("a")).isSameAs(a);
        assertThat(a.copies()).contains(first);
        assertThat(first.inFlight()).isEqualTo(1);

        RoutedCopy leaving = first;
        String staying = first.copyId.equals("kc-1") ? "kc-2" : "kc-1";
        table.apply(endpoints(List.of(copy(staying, "a"))));

        assertThat(copyMeters(leaving.copyId)).as("meters of the copy that left").isEmpty();
        assertThat(copyMeters(staying)).isNotEmpty();
        assertThat(a.copies()).extracting(c -> c.copyId).containsExactly(staying);
        leaving.release(); // its last request ends after it left
        assertThat(leaving.inFlight()).isZero();
    }

    @Test
    void aComponentThatLeavesTakesAllItsMetersAndItsCopiesMetersAlong() {
        table.apply(endpoints(List.of(copy("kc-1", "a"))));
        assertThat(componentMeters("a")).isNotEmpty();

        table.apply(new RoutingSnapshot(List.of("one"), List.of(component("one", "solo", ComponentStatus.InService)),
                List.of()));

        assertThat(componentMeters("a")).isEmpty();
        assertThat(componentMeters("b")).isEmpty();
        assertThat(copyMeters("kc-1")).isEmpty();
        assertThat(componentMeters("solo")).isNotEmpty();
    }

    @Test
    void twoRequestsInFlightForHalfASecondAndNoneForTheOtherHalfAreAConcurrencyOfOne() {
        table.apply(endpoints(List.of(copy("kc-1", "a"))));
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        table.drain(now); // starts the interval
        RoutedComponent a = table.component("a");

        a.arrive(nanos.get());
        a.arrive(nanos.get());
        nanos.addAndGet(SECOND / 2);
        a.depart(nanos.get());
        a.depart(nanos.get());
        nanos.addAndGet(SECOND / 2);
        List<ComponentLoad> loads = table.drain(now.plusSeconds(1));

        assertThat(loads).containsExactly(new ComponentLoad("two", "a", "AllTraffic", 1.0, 2, 0, null));
        nanos.addAndGet(SECOND);
        assertThat(table.drain(now.plusSeconds(2))).as("no traffic, but a copy")
                .containsExactly(new ComponentLoad("two", "a", "AllTraffic", 0.0, 0, 0, null));
    }

    @Test
    void heldRequestsCountInTheLoadWithTheTimeTheOldestArrived() {
        table.apply(endpoints(List.of()));
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        table.drain(now);
        RoutedComponent b = table.component("b");
        b.arrive(nanos.get());
        b.acquire(nanos.get(), n -> { }).subscribe();
        nanos.addAndGet(SECOND / 4);
        List<ComponentLoad> loads = table.drain(now.plusMillis(250));
        assertThat(loads).containsExactly(
                new ComponentLoad("two", "b", "AllTraffic", 1.0, 1, 1, now));
    }

    @Test
    void refreshReadsAndAppliesAndAFailedReadKeepsTheLastTable() {
        stored.set(endpoints(List.of(copy("kc-1", "a"))));
        assertThat(table.loaded()).isFalse();
        table.refresh().block(Duration.ofSeconds(5));
        assertThat(table.loaded()).isTrue();
        assertThat(table.component("a").copies()).hasSize(1);

        stored.set(null); // the reader now fails
        assertThatThrownBy(() -> table.refresh().block(Duration.ofSeconds(5))).hasMessageContaining("the database is down");
        assertThat(table.component("a").copies()).hasSize(1);
    }

    private List<Meter> copyMeters(String copy) {
        return registry.getMeters().stream().filter(m -> copy.equals(m.getId().getTag("copy"))).toList();
    }

    private List<Meter> componentMeters(String component) {
        return registry.getMeters().stream().filter(m -> component.equals(m.getId().getTag("component"))).toList();
    }
}
