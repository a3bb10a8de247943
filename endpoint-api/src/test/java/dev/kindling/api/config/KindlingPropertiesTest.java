package dev.kindling.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.junit.jupiter.api.Test;

/** Settings bind with their documented defaults, and a bad value stops start-up with a message naming the key. */
class KindlingPropertiesTest {

    private static KindlingProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kindling", KindlingProperties.class);
    }

    @Test
    void defaults() {
        KindlingProperties p = bind(Map.of());
        assertThat(p.database().url()).isEmpty();
        assertThat(p.database().embeddedDataDirectory())
                .isEqualTo(Path.of(System.getProperty("user.home"), ".kindling", "postgres"));
        assertThat(p.reconciler().heartbeatTimeoutMillis()).isEqualTo(5000);
        assertThat(p.fleet().provider()).isEqualTo("local");
        assertThat(p.fleet().local().timeScale()).isEqualTo(0.02);
        assertThat(p.fleet().local().dataDirectory()).isEqualTo(Path.of(System.getProperty("user.home"), ".kindling", "fleet"));
        assertThat(p.fleet().local().diskBudgetMb()).isEqualTo(20480);
        assertThat(p.s3().embedded().enabled()).isTrue();
        assertThat(p.s3().embedded().port()).isEqualTo(9000);
        assertThat(p.s3().embedded().dataDirectory()).isEqualTo(Path.of(System.getProperty("user.home"), ".kindling", "s3"));
        assertThat(p.api().defaultMaxResults()).isEqualTo(10);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("interval too short", "kindling.reconciler.interval-millis", "5"),
                Arguments.of("heartbeat timeout too short", "kindling.reconciler.heartbeat-timeout-millis", "10"),
                Arguments.of("unknown provider", "kindling.fleet.provider", "gcp"),
                Arguments.of("negative time scale", "kindling.fleet.local.time-scale", "-1"),
                Arguments.of("too many instances", "kindling.fleet.local.max-instances", "5000"),
                Arguments.of("launch delay too long", "kindling.fleet.local.launch-delay-seconds.ml.g5.xlarge", "7200"),
                Arguments.of("no network", "kindling.fleet.local.network-gbps.ml.g5.xlarge", "0"),
                Arguments.of("negative disk rate", "kindling.fleet.local.disk-write-mibps.ml.g5.xlarge", "-5"),
                Arguments.of("no disk budget", "kindling.fleet.local.disk-budget-mb", "0"),
                Arguments.of("zero chunk", "kindling.fleet.local.registry-chunk-mib", "0"),
                Arguments.of("huge S3 chunk", "kindling.fleet.local.s3-chunk-mib", "4096"),
                Arguments.of("too many fetch workers", "kindling.fleet.local.fetch-parallelism", "1000"),
                Arguments.of("page size zero", "kindling.api.default-max-results", "0"),
                Arguments.of("embedded S3 port out of range", "kindling.s3.embedded.port", "70000"),
                Arguments.of("S3 endpoint not a URL", "kindling.s3.endpoint", "s3.example.com"),
                Arguments.of("pool too large", "kindling.database.pool-max-size", "500"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void badValueNamesItsKey(String label, String key, String value) {
        String shownKey = key.replace(".ml.g5.xlarge", ""); // per-type keys name the map and the type

        assertThatThrownBy(() -> bind(Map.of(key, value)))
                .rootCause().hasMessageContaining(shownKey).hasMessageContaining("must");
    }
}
