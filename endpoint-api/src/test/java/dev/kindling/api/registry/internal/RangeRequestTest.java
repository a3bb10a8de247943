package dev.kindling.api.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What each Range header asks of a 1000-byte blob (and of an empty one). */
class RangeRequestTest {

    private static final RangeRequest WHOLE = new RangeRequest.Whole();
    private static final RangeRequest NONE = new RangeRequest.Unsatisfiable();

    private static RangeRequest part(long first, long last) {
        return new RangeRequest.Part(first, last);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("no header", null, 1000, WHOLE),
                Arguments.of("one chunk", "bytes=0-65535", 1000, part(0, 999)),
                Arguments.of("a middle range", "bytes=100-199", 1000, part(100, 199)),
                Arguments.of("the last byte", "bytes=999-999", 1000, part(999, 999)),
                Arguments.of("open-ended", "bytes=500-", 1000, part(500, 999)),
                Arguments.of("suffix", "bytes=-10", 1000, part(990, 999)),
                Arguments.of("suffix longer than the blob", "bytes=-5000", 1000, part(0, 999)),
                Arguments.of("unit in capitals, spaces", "Bytes= 10 - 19 ", 1000, part(10, 19)),
                Arguments.of("starts at the end", "bytes=1000-", 1000, NONE),
                Arguments.of("starts past the end", "bytes=5000-6000", 1000, NONE),
                Arguments.of("first byte past a huge number", "bytes=99999999999999999999-", 1000, NONE),
                Arguments.of("empty suffix", "bytes=-0", 1000, NONE),
                Arguments.of("any range of an empty blob", "bytes=0-", 0, NONE),
                Arguments.of("last before first: ignored", "bytes=20-10", 1000, WHOLE),
                Arguments.of("several ranges: ignored", "bytes=0-1,5-6", 1000, WHOLE),
                Arguments.of("another unit: ignored", "items=0-1", 1000, WHOLE),
                Arguments.of("garbage: ignored", "bytes=a-b", 1000, WHOLE),
                Arguments.of("no dash: ignored", "bytes=5", 1000, WHOLE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rangeOf(String label, String header, long size, RangeRequest expected) {
        assertThat(RangeRequest.of(header, size)).isEqualTo(expected);
    }
}
