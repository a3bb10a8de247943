package dev.kindling.cache.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.cache.endpoint.VolumeSweep.Record;
import dev.kindling.cache.endpoint.VolumeSweep.Volume;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which cache volumes go, as named rows: a volume, the record of its endpoint (or none), and the verdict. */
class VolumeSweepTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(60);

    private static Volume gen(long generation) {
        return new Volume("e", generation, "/caches/e/gen-" + generation);
    }

    private static Record record(long generation, Long ready, Instant readySince) {
        return new Record(generation, ready, readySince);
    }

    static Stream<Arguments> sweeps() {
        return Stream.of(
                Arguments.of("the ready generation stays", gen(3), record(3, 3L, NOW.minusSeconds(600)), null),
                Arguments.of("the newest, still building, stays", gen(4), record(4, 3L, NOW.minusSeconds(600)), null),
                Arguments.of("a newer one than the record knows (another replica's build) stays", gen(5),
                        record(4, 3L, NOW), null),
                Arguments.of("replaced within the grace period stays", gen(2), record(3, 3L, NOW.minusSeconds(59)), null),
                Arguments.of("replaced, grace period over: deleted", gen(2), record(3, 3L, NOW.minusSeconds(60)),
                        "replaced by generation 3, ready since 2026-03-01T11:59:00Z"),
                Arguments.of("replaced, and a rebuild of the ready one under way: still deleted after the grace", gen(2),
                        record(4, 3L, NOW.minusSeconds(61)), "replaced by generation 3, ready since 2026-03-01T11:58:59Z"),
                Arguments.of("readiness not seen yet by this manager: the grace starts now", gen(2), record(3, 3L, null),
                        null),
                Arguments.of("an attempt that never became ready, replaced by a newer one: deleted at once", gen(4),
                        record(5, 3L, NOW), "generation 4 never became ready and generation 5 replaced it"),
                Arguments.of("a failed first attempt, replaced: deleted", gen(1), record(2, null, null),
                        "generation 1 never became ready and generation 2 replaced it"),
                Arguments.of("the endpoint was deleted: every volume goes", gen(3), null,
                        "endpoint e has no cache any more (deleted)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sweeps")
    void sweeps(String label, Volume volume, Record record, String reason) {
        Map<String, Record> records = record == null ? Map.of() : Map.of("e", record);
        List<VolumeSweep.Deletion> out = VolumeSweep.sweep(List.of(volume), records, NOW, GRACE);
        if (reason == null) {
            assertThat(out).isEmpty();
        } else {
            assertThat(out).containsExactly(new VolumeSweep.Deletion(volume, reason));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sweeps")
    void neverTouchesAnotherEndpointsVolumes(String label, Volume volume, Record record, String reason) {
        Volume other = new Volume("other", volume.generation(), "/caches/other/gen-" + volume.generation());
        Map<String, Record> records = record == null ? Map.of("other", record(9, 9L, NOW))
                : Map.of("e", record, "other", record(9, 9L, NOW));
        assertThat(VolumeSweep.sweep(List.of(volume, other), records, NOW, GRACE))
                .extracting(d -> d.volume().endpointName()).doesNotContain("other");
    }
}
