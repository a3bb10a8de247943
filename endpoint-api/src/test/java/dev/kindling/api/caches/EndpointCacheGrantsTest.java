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

/** The grant a cache record gives, as named rows: the record, the switches, and the grant (or none). */
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

    private static EndpointCache record(Long ready, String readyLocation, Long imageBytes, Long modelBytes) {
        return new EndpointCache("e", ready == null ? 0 : ready + 1, EndpointCacheStatus.Building,
                new EndpointCache.Plan(List.of("repo/a:1"), List.of()), null, null, imageBytes, modelBytes, ready,
                readyLocation, "peer-token", null, "plan-changed", 0, T0, null, null, 3);
    }

    private static final CacheSwitches ON = CacheSwitches.ALL_ON;

    static Stream<Arguments> grants() {
        return Stream.of(
                Arguments.of("images and models, all on", record(2L, "/c/e/gen-2", 10L, 20L), ON, DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", "/c/e/gen-2/models", "peer-token")),
                Arguments.of("no models in the volume: no model cache", record(2L, "/c/e/gen-2", 10L, 0L), ON, DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", null, "peer-token")),
                Arguments.of("models only: no image cache", record(2L, "/c/e/gen-2", 0L, 20L), ON, DIRECTORIES,
                        new CacheGrant("e", 2, null, "/c/e/gen-2/models", "peer-token")),
                Arguments.of("image cache switched off", record(2L, "/c/e/gen-2", 10L, 20L),
                        new CacheSwitches(false, true, true), DIRECTORIES,
                        new CacheGrant("e", 2, null, "/c/e/gen-2/models", "peer-token")),
                Arguments.of("model cache switched off", record(2L, "/c/e/gen-2", 10L, 20L),
                        new CacheSwitches(true, false, true), DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", null, "peer-token")),
                Arguments.of("peer fetch off: no token", record(2L, "/c/e/gen-2", 10L, 20L),
                        new CacheSwitches(true, true, false), DIRECTORIES,
                        new CacheGrant("e", 2, "/c/e/gen-2", "/c/e/gen-2/models", null)),
                Arguments.of("nothing ready yet: only the peer token", record(null, null, null, null), ON, DIRECTORIES,
                        new CacheGrant("e", 0, null, null, "peer-token")),
                Arguments.of("nothing ready and peer fetch off: no grant", record(null, null, null, null),
                        new CacheSwitches(true, true, false), DIRECTORIES, null),
                Arguments.of("everything off: no grant", record(2L, "/c/e/gen-2", 10L, 20L),
                        new CacheSwitches(false, false, false), DIRECTORIES, null),
                Arguments.of("a snapshot is granted where it is mounted, not by its id", record(4L, "snap-0abc", 10L, 20L),
                        ON, SNAPSHOTS, new CacheGrant("e", 4, "/mnt/kindling-cache", "/mnt/kindling-cache/models",
                                "peer-token")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grants")
    void grants(String label, EndpointCache record, CacheSwitches switches, CacheVolumes volumes, CacheGrant grant) {
        assertThat(EndpointCacheGrants.grantOf(record, switches, volumes)).isEqualTo(grant);
    }
}
