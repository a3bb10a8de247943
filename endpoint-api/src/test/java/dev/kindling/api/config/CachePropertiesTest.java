package dev.kindling.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Cache settings bind with their documented defaults; a bad value stops start-up naming its key. */
class CachePropertiesTest {

    private static CacheProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kindling.cache", CacheProperties.class);
    }

    @Test
    void defaults() {
        CacheProperties p = bind(Map.of());
        assertThat(p.imageCache().enabled()).isTrue();
        assertThat(p.modelCache().enabled()).isTrue();
        assertThat(p.peerFetch().enabled()).isTrue();
        assertThat(p.intervalMillis()).isEqualTo(2000);
        assertThat(p.maxConcurrentBuilds()).isEqualTo(2);
        assertThat(p.oldGenerationGraceSeconds()).isEqualTo(60);
        assertThat(p.buildRetrySeconds()).isEqualTo(5);
        assertThat(p.buildRetryMaxSeconds()).isEqualTo(600);
        assertThat(p.directory()).isNull();
        assertThat(p.directoryBeside(Path.of("/home/u/.kindling/fleet"))).isEqualTo(Path.of("/home/u/.kindling/fleet-caches"));
    }

    @Test
    void switchesAndTheDirectoryAreTakenAsGiven() {
        CacheProperties p = bind(Map.of("kindling.cache.image-cache.enabled", "false",
                "kindling.cache.model-cache.enabled", "false", "kindling.cache.peer-fetch.enabled", "false",
                "kindling.cache.directory", "/srv/caches"));
        assertThat(p.imageCache().enabled()).isFalse();
        assertThat(p.modelCache().enabled()).isFalse();
        assertThat(p.peerFetch().enabled()).isFalse();
        assertThat(p.directoryBeside(Path.of("/home/u/.kindling/fleet"))).isEqualTo(Path.of("/srv/caches"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            interval too short               | kindling.cache.interval-millis              | 10
            no builder                       | kindling.cache.max-concurrent-builds        | 0
            too many builders                | kindling.cache.max-concurrent-builds        | 100
            negative grace                   | kindling.cache.old-generation-grace-seconds | -1
            no retry wait                    | kindling.cache.build-retry-seconds          | 0
            a maximum below the first wait   | kindling.cache.build-retry-max-seconds      | 4
            """)
    void refusesValuesOutOfRange(String label, String key, String value) {
        assertThatThrownBy(() -> bind(Map.of(key, value))).rootCause().hasMessageContaining(key);
    }
}
