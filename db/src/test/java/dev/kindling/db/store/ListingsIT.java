package dev.kindling.db.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * The four listings (configs, endpoints, components, instances) share one keyset pagination; each is run through
 * the same rules, because a listing that skips or repeats a row across pages shows up only when paged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListingsIT {

    private StoreFixture f;

    @BeforeAll
    void start() {
        f = StoreFixture.start();
        // Parents for the rows the listings add; their names contain none of the filters used below.
        f.config("shared");
        f.endpoint("parent", "shared");
        f.endpoint("other-parent", "shared");
    }

    @AfterAll
    void stop() {
        f.close();
    }

    /** One listable store: how to add a row with a given name, and how to list names. */
    record Listing(String label, Consumer<String> add, Function<ListQuery, Mono<Page<String>>> list) {
        @Override
        public String toString() {
            return label;
        }
    }

    Stream<Listing> listings() {
        return Stream.of(
                new Listing("endpoint configs", f::config, q -> names(f.configs.list(q), EndpointConfig::name)),
                new Listing("endpoints", n -> f.endpoint(n, "shared"), q -> names(f.endpoints.list(q), e -> e.name())),
                new Listing("inference components", n -> f.component(n, "parent"),
                        q -> names(f.components.list(q), InferenceComponent::name)),
                new Listing("instances", n -> f.instance(n, "parent", InstanceStatus.Pending),
                        q -> names(f.instances.list(q), Instance::id)));
    }

    private static <T> Mono<Page<String>> names(Mono<Page<T>> page, Function<T, String> name) {
        return page.map(p -> new Page<>(p.items().stream().map(name).toList(), p.nextToken()));
    }

    private static ListQuery named(String contains, String afterToken, int maxResults) {
        return new ListQuery(contains, null, null, afterToken == null ? null : ListQuery.decodeToken(afterToken), maxResults);
    }

    /** Adds rows in a shuffled order, so name order can only come from the query. */
    private static List<String> addShuffled(Listing l, String prefix, int count) {
        List<String> names = IntStream.range(0, count).mapToObj(i -> String.format("%s-%02d", prefix, i)).toList();
        List<String> shuffled = new ArrayList<>(names);
        Collections.shuffle(shuffled, new Random(7));
        shuffled.forEach(l.add());
        return names;
    }

    /** Follows nextToken to the end; the page count is capped so a token that never ends fails instead of looping. */
    private static List<Page<String>> allPages(Listing l, String contains, int maxResults) {
        List<Page<String>> pages = new ArrayList<>();
        String token = null;
        do {
            Page<String> page = l.list().apply(named(contains, token, maxResults)).block();
            pages.add(page);
            token = page.nextToken();
        } while (token != null && pages.size() < 20);
        return pages;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("listings")
    void twentyFiveRowsComeInPagesOfTenTenAndFiveInNameOrder(Listing l) {
        List<String> names = addShuffled(l, "pg", 25);

        List<Page<String>> pages = allPages(l, "pg-", 10);

        assertThat(pages).extracting(p -> p.items().size()).containsExactly(10, 10, 5);
        assertThat(pages.getLast().nextToken()).isNull();
        assertThat(pages.stream().flatMap(p -> p.items().stream())).containsExactlyElementsOf(names);
        // The token carries the last name of its page, so the next page starts right after it.
        assertThat(ListQuery.decodeToken(pages.getFirst().nextToken())).isEqualTo(pages.getFirst().items().getLast());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("listings")
    void aListingThatEndsOnAPageBoundaryHasNoEmptyLastPage(Listing l) {
        List<String> names = addShuffled(l, "pb", 20);

        assertThat(allPages(l, "pb-", 10)).extracting(p -> p.items().size()).containsExactly(10, 10);
        Page<String> whole = l.list().apply(named("pb-", null, 20)).block();
        assertThat(whole.items()).containsExactlyElementsOf(names);
        assertThat(whole.nextToken()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("listings")
    void nameContainsIgnoresCaseAndTakesWildcardsLiterally(Listing l) {
        List.of("Alpha-Model-1", "alpha-model-2", "ALPHA-MODEL-3", "beta-model-4").forEach(l.add());

        assertThat(l.list().apply(named("aLpHa-MoDeL", null, 100)).block().items())
                .containsExactlyInAnyOrder("Alpha-Model-1", "alpha-model-2", "ALPHA-MODEL-3");
        assertThat(l.list().apply(named("-MODEL-", null, 100)).block().items()).hasSize(4);
        // A LIKE-based filter would let these match every row.
        assertThat(l.list().apply(named("%", null, 100)).block().items()).isEmpty();
        assertThat(l.list().apply(named("_", null, 100)).block().items()).isEmpty();
    }

    @Test
    void endpointsFilterByStatus() {
        f.endpoint("st-ep-1", "shared");
        f.endpoint("st-ep-2", "shared");
        f.endpoint("st-ep-3", "shared");
        f.endpointStatus("st-ep-2", EndpointStatus.InService);

        assertThat(f.endpoints.list(new ListQuery("st-ep", "InService", null, null, 100)).block().items())
                .extracting(e -> e.name()).containsExactly("st-ep-2");
        assertThat(f.endpoints.list(new ListQuery("st-ep", "Creating", null, null, 100)).block().items())
                .extracting(e -> e.name()).containsExactly("st-ep-1", "st-ep-3");
    }

    @Test
    void componentsFilterByEndpointAndStatus() {
        f.component("pf-ic-1", "parent");
        InferenceComponent two = f.component("pf-ic-2", "parent");
        f.component("pf-ic-3", "other-parent");
        assertThat(f.components.update(new InferenceComponent(two.name(), two.endpointName(), two.variantName(),
                two.specification(), two.specRevision(), 2, ComponentStatus.InService, null, two.creationTime(),
                StoreFixture.T0, StoreFixture.T0, 0), two.version()).block()).isTrue();

        assertThat(f.components.list(new ListQuery("pf-ic", null, "parent", null, 100)).block().items())
                .extracting(InferenceComponent::name).containsExactly("pf-ic-1", "pf-ic-2");
        assertThat(f.components.list(new ListQuery("pf-ic", null, "other-parent", null, 100)).block().items())
                .extracting(InferenceComponent::name).containsExactly("pf-ic-3");
        assertThat(f.components.list(new ListQuery("pf-ic", "InService", "parent", null, 100)).block().items())
                .extracting(InferenceComponent::name).containsExactly("pf-ic-2");
        assertThat(f.components.list(new ListQuery("pf-ic", "InService", "other-parent", null, 100)).block().items())
                .isEmpty();
    }

    @Test
    void instancesFilterByEndpointAndStatus() {
        f.instance("ki-pf-1", "parent", InstanceStatus.Pending);
        f.instance("ki-pf-2", "parent", InstanceStatus.InService);
        f.instance("ki-pf-3", "other-parent", InstanceStatus.InService);

        assertThat(f.instances.list(new ListQuery("ki-pf", null, "parent", null, 100)).block().items())
                .extracting(Instance::id).containsExactly("ki-pf-1", "ki-pf-2");
        assertThat(f.instances.list(new ListQuery("ki-pf", "InService", null, null, 100)).block().items())
                .extracting(Instance::id).containsExactly("ki-pf-2", "ki-pf-3");
        assertThat(f.instances.list(new ListQuery("ki-pf", "InService", "other-parent", null, 100)).block().items())
                .extracting(Instance::id).containsExactly("ki-pf-3");
    }
}
