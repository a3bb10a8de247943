package dev.kindling.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Registry settings bind with their documented defaults; a bad value stops start-up naming its key. */
class RegistryPropertiesTest {

    private static RegistryProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kindling.registry", RegistryProperties.class);
    }

    @Test
    void defaults() {
        RegistryProperties.Embedded e = bind(Map.of()).embedded();
        assertThat(e.enabled()).isTrue();
        assertThat(e.dataDirectory()).isEqualTo(Path.of(System.getProperty("user.home"), ".kindling", "registry"));
        assertThat(e.maxGeneratedImageBytes()).isEqualTo(8L << 30);
        assertThat(e.maxGeneratedLayers()).isEqualTo(128);
        assertThat(e.importRequestTimeoutSeconds()).isEqualTo(60);
    }

    @Test
    void aDataDirectoryIsTakenAndAnEmptyOneMeansTheDefault() {
        assertThat(bind(Map.of("kindling.registry.embedded.data-directory", "/srv/registry")).embedded().dataDirectory())
                .isEqualTo(Path.of("/srv/registry"));
        assertThat(bind(Map.of("kindling.registry.embedded.data-directory", "")).embedded().dataDirectory())
                .isEqualTo(bind(Map.of()).embedded().dataDirectory());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("zero image size", "kindling.registry.embedded.max-generated-image-bytes", "0"),
                Arguments.of("image size over a TiB", "kindling.registry.embedded.max-generated-image-bytes", "2199023255553"),
                Arguments.of("no layers", "kindling.registry.embedded.max-generated-layers", "0"),
                Arguments.of("too many layers", "kindling.registry.embedded.max-generated-layers", "1001"),
                Arguments.of("zero timeout", "kindling.registry.embedded.import-request-timeout-seconds", "0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void badValueNamesItsKey(String label, String key, String value) {
        assertThatThrownBy(() -> bind(Map.of(key, value))).rootCause().hasMessageContaining(key).hasMessageContaining("must");
    }
}
