package dev.kindling.api.caches;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.protocol.CacheGrant;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.EndpointCacheStatus;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The grant a cache record gives, as named rows: the record, when the instance was launched, the switches, and the
 * grant (or none). Only an instance launched since the volume became ready (one a launch attached it to) is given it.
 */
class EndpointCacheGrantsTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final CacheVolumes DIRECTORIES = new CacheVolumes() {
        @Override
        public BuiltVolume build(String endpointName, long generation, EndpointCachePlan plan) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String location) {
        }
    };
    /** A store whose volumes are snapshots, mounted at one path on every instance. */
    private static final CacheVolumes SNAPSHOTS = new CacheVolumes() {
        @Override
        public BuiltVolume build(String endpointName, long generation, EndpointCachePlan plan) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String location) {
        }

        @Override
        public String mountedAt(String location) {
            return "/mnt/kindling-cache";
        }
    };

    /** A record whose ready generation (if any) became ready at T0, with a rebuild under way. */
    private static EndpointCache record(Long ready, String readyLocation, Long imageBytes, Long modelBytes) {
        return new EndpointCache("e", ready == null ? 0 : ready + 1, EndpointCacheStatus.Building,
                new EndpointCache.Plan(List.of("repo/a:1"), List.of()), null, null, imageBytes, modelBytes, ready,
                readyLocation, "peer-token", null, "plan-changed", 0, T0, null, ready == null ? null : T0, 3);
    }

    private static final Instant AFTER = T0.plusSeconds(30);

    private static final CacheSwitches ON = CacheSwitches.ALL_ON;

    static Stream<Arguments> grants() {
        EndpointCache ready = record(2L, "/c/e/gen-2", 10L, 20L);
        return Stream.of(
                Arguments.of("images and models, all on", ready, AFTER, ON, DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", "/c/e/gen-2/models", "peer-token")),
                Arguments.of("no models in the volume: no model cache", record(2L, "/c/e/gen-2", 10L, 0L), AFTER, ON,
                        DIRECTORIES, new CacheGrant("e", 2, "/c/e/gen-2", null, "peer-token")),
                Arguments.of("models only: no image cache", record(2L, "/c/e/gen-2", 0L, 20L), AFTER, ON, DIRECTORIES,
                        new CacheGrant("e", 2, null, "/c/e/gen-2/models", "peer-token")),
                Arguments.of("image cache switched off", ready, AFTER, new CacheSwitches(false, true, true), DIRECTORIES,
                        new CacheGrant("e", 2, null, "/c/e/gen-2/models", "peer-token")),
                Arguments.of("model cache switched off", ready, AFTER, new CacheSwitches(true, false, true), DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", null, "peer-token")),
                Arguments.of("peer fetch off: no token", ready, AFTER, new CacheSwitches(true, true, false), DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", "/c/e/gen-2/models", null)),
                Arguments.of("nothing ready yet: only the peer token", record(null, null, null, null), AFTER, ON,
                        DIRECTORIES, new CacheGrant("e", 0, null, null, "peer-token")),
                Arguments.of("nothing ready and peer fetch off: no grant", record(null, null, null, null), AFTER,
                        new CacheSwitches(true, true, false), DIRECTORIES, null),
                Arguments.of("everything off: no grant", ready, AFTER, new CacheSwitches(false, false, false), DIRECTORIES,
                        null),
                Arguments.of("launched the moment it became ready: granted", ready, T0, ON, DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", "/c/e/gen-2/models", "peer-token")),
                Arguments.of("launched before it became ready: only the peer token", ready, T0.minusMillis(1), ON,
                        DIRECTORIES, new CacheGrant("e", 0, null, null, "peer-token")),
                Arguments.of("launched before, and peer fetch off: no grant", ready, T0.minusSeconds(60),
                        new CacheSwitches(true, true, false), DIRECTORIES, null),
                Arguments.of("a snapshot is granted where it is mounted, not by its id", record(4L, "snap-0abc", 10L, 20L),
                        AFTER, ON, SNAPSHOTS, new CacheGrant("e", 4, "/mnt/kindling-cache", "/mnt/kindling-cache/models",
                                "peer-token")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grants")
    void grants(String label, EndpointCache record, Instant launchedAt, CacheSwitches switches, CacheVolumes volumes,
                CacheGrant grant) {
        assertThat(EndpointCacheGrants.grantOf(record, launchedAt, switches, volumes)).isEqualTo(grant);
    }
}
