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

    @Test
    void ec2Defaults() {
        KindlingProperties.Ec2 ec2 = bind(Map.of()).fleet().ec2();
        assertThat(ec2.region()).isEqualTo("us-east-1");
        assertThat(ec2.launchTemplateVersion()).isEqualTo("$Default");
        assertThat(ec2.subnetIds()).isEmpty();
        assertThat(ec2.builderInstanceType()).isEqualTo("c6in.large");
        assertThat(ec2.cacheVolumeSizeGib()).isEqualTo(100);
        assertThat(ec2.pollIntervalMillis()).isEqualTo(5000);
        assertThat(ec2.builderTimeoutSeconds()).isEqualTo(1800);
        assertThat(ec2.snapshotTimeoutSeconds()).isEqualTo(3600);
        assertThat(ec2.callAttempts()).isEqualTo(5);
    }

    @Test
    void ec2ListsBindFromCommaSeparatedValues() {
        KindlingProperties p = bind(Map.of("kindling.fleet.provider", "ec2", "kindling.api.control-plane-url",
                "http://10.0.0.5:8080", "kindling.fleet.ec2.launch-template-id", "lt-1",
                "kindling.fleet.ec2.subnet-ids", "subnet-a,subnet-b"));
        assertThat(p.fleet().provider()).isEqualTo("ec2");
        assertThat(p.fleet().ec2().subnetIds()).containsExactly("subnet-a", "subnet-b");
    }

    static Stream<Arguments> badEc2Values() {
        return Stream.of(
                Arguments.of("no launch template", "kindling.fleet.ec2.launch-template-id", ""),
                Arguments.of("endpoint override not a URL", "kindling.fleet.ec2.endpoint-override", "ec2.local"),
                Arguments.of("agent jar not a URL", "kindling.fleet.ec2.agent-jar-url", "/opt/agent.jar"),
                Arguments.of("empty cache volume", "kindling.fleet.ec2.cache-volume-size-gib", "0"),
                Arguments.of("no poll interval", "kindling.fleet.ec2.poll-interval-millis", "0"),
                Arguments.of("builder timeout too long", "kindling.fleet.ec2.builder-timeout-seconds", "100000"),
                Arguments.of("no attempts", "kindling.fleet.ec2.call-attempts", "0"),
                Arguments.of("no control-plane URL", "kindling.api.control-plane-url", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEc2Values")
    void badEc2ValueNamesItsKey(String label, String key, String value) {
        Map<String, String> values = new java.util.HashMap<>(Map.of("kindling.fleet.provider", "ec2",
                "kindling.api.control-plane-url", "http://10.0.0.5:8080", "kindling.fleet.ec2.launch-template-id", "lt-1"));
        values.put(key, value);

        assertThatThrownBy(() -> bind(values)).rootCause().hasMessageContaining(key)
                .hasMessageContaining("must");
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
