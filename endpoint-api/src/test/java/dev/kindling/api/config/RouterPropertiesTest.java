package dev.kindling.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.api.router.RouterSettings;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Router settings bind with their documented defaults; a bad value stops start-up naming its key and range. */
class RouterPropertiesTest {

    private static RouterProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kindling.router", RouterProperties.class);
    }

    @Test
    void defaults() {
        assertThat(bind(Map.of()).settings()).isEqualTo(new RouterSettings(100, Duration.ofMinutes(5),
                Duration.ofSeconds(60), 6L << 20, Duration.ofMillis(250), Duration.ofSeconds(1), 1024, 10_000));
    }

    @Test
    void valuesAreTaken() {
        RouterSettings s = bind(Map.of("kindling.router.held-queue-size", "0", "kindling.router.held-timeout-millis", "1500",
                "kindling.router.max-request-bytes", "1024")).settings();
        assertThat(s.heldQueueSize()).isZero();
        assertThat(s.heldTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.maxRequestBytes()).isEqualTo(1024);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("negative queue", "kindling.router.held-queue-size", "-1", "between 0 and 100000"),
                Arguments.of("zero held timeout", "kindling.router.held-timeout-millis", "0", "between 1 and 3600000"),
                Arguments.of("zero invocation timeout", "kindling.router.invocation-timeout-millis", "0", "between 1 and"),
                Arguments.of("empty bodies only", "kindling.router.max-request-bytes", "0", "between 1 and 1073741824"),
                Arguments.of("refresh too often", "kindling.router.refresh-interval-millis", "5", "between 10 and 60000"),
                Arguments.of("zero connect timeout", "kindling.router.connect-timeout-millis", "0", "between 1 and 60000"),
                Arguments.of("no connections", "kindling.router.max-connections-per-copy", "0", "between 1 and 100000"),
                Arguments.of("no pending connections", "kindling.router.max-pending-connections-per-copy", "0", "between 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void badValueNamesItsKeyAndRange(String label, String key, String value, String range) {
        assertThatThrownBy(() -> bind(Map.of(key, value))).rootCause().hasMessageContaining(key).hasMessageContaining(range);
    }
}
