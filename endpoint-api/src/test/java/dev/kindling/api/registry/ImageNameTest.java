package dev.kindling.api.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Image names follow the OCI Distribution grammar; a registry host or a bad tag is refused with the rule. */
class ImageNameTest {

    static Stream<Arguments> good() {
        return Stream.of(
                Arguments.of("repository and tag", "demo/model-server:1", "demo/model-server", "1"),
                Arguments.of("no tag means latest", "demo/model-server", "demo/model-server", "latest"),
                Arguments.of("one component", "llm:v0.33", "llm", "v0.33"),
                Arguments.of("separators", "a.b/c__d/e---f:T_a-g.1", "a.b/c__d/e---f", "T_a-g.1"),
                Arguments.of("deep", "team/models/llama/8b:2025-01", "team/models/llama/8b", "2025-01"),
                // The grammar cannot tell a host without a port from a dotted component; it is a repository here.
                Arguments.of("dotted first component", "registry.example.com/x:1", "registry.example.com/x", "1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("good")
    void parses(String label, String image, String repository, String tag) {
        assertThat(ImageName.parse(image)).isEqualTo(new ImageName(repository, tag));
    }

    static Stream<Arguments> bad() {
        return Stream.of(
                Arguments.of("upper case", "Demo/x:1", "repository"),
                Arguments.of("a registry host", "127.0.0.1:5000/demo/x:1", "repository"),
                Arguments.of("leading separator", "-x:1", "repository"),
                Arguments.of("empty component", "demo//x:1", "repository"),
                Arguments.of("trailing slash", "demo/:1", "repository"),
                Arguments.of("too long", "a".repeat(256) + ":1", "repository"),
                Arguments.of("empty tag", "demo/x:", "tag"),
                Arguments.of("tag starting with a dot", "demo/x:.1", "tag"),
                Arguments.of("tag too long", "demo/x:" + "t".repeat(129), "tag"),
                Arguments.of("a digest", "demo/x@sha256:" + "0".repeat(64), "repository"),
                Arguments.of("blank", " ", "must be"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void refuses(String label, String image, String named) {
        assertThatThrownBy(() -> ImageName.parse(image)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(named);
    }
}
