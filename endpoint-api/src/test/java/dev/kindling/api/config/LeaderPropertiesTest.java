package dev.kindling.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Leader settings bind with their documented defaults; a bad value stops start-up naming its key. */
class LeaderPropertiesTest {

    private static LeaderProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("kindling.leader", LeaderProperties.class);
    }

    @Test
    void defaults() {
        LeaderProperties p = bind(Map.of());
        assertThat(p.enabled()).isTrue();
        assertThat(p.pollIntervalMillis()).isEqualTo(2000);
        assertThat(p.replicaId()).matches("[A-Za-z0-9._-]{1,40}-[0-9a-f]{6}");
    }

    @Test
    void twoReplicasOnOneHostGetDifferentDefaultIds() {
        assertThat(bind(Map.of()).replicaId()).isNotEqualTo(bind(Map.of()).replicaId());
    }

    @Test
    void aReplicaIdIsTakenAsGiven() {
        assertThat(bind(Map.of("kindling.leader.replica-id", "api-0.prod_eu")).replicaId()).isEqualTo("api-0.prod_eu");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            poll interval below 100 ms   | kindling.leader.poll-interval-millis | 99
            poll interval over 10 s      | kindling.leader.poll-interval-millis | 10001
            replica id with a space      | kindling.leader.replica-id           | api 0
            replica id with a quote      | kindling.leader.replica-id           | api'0
            replica id of 48 characters  | kindling.leader.replica-id           | abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh
            """)
    void badValueNamesItsKey(String label, String key, String value) {
        assertThatThrownBy(() -> bind(Map.of(key, value))).rootCause().hasMessageContaining(key).hasMessageContaining("must");
    }
}
