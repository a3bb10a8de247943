package dev.kindling.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Page tokens: clients get them back opaque, so decoding must accept exactly the tokens listings make. */
class ListQueryTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a", "my-endpoint", "Model-V2", "ki-0123abcd",
            "x23456789012345678901234567890123456789012345678901234567890123"})
    void tokensOfNamesRoundTrip(String name) {
        assertThat(ListQuery.decodeToken(ListQuery.encodeToken(name))).isEqualTo(name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not base64                       | !!!
            empty                            | ''
            standard alphabet with padding   | bXktZW5kcG9pbnQ=
            padded url-safe encoding         | YQ==
            non-canonical trailing bits      | YR
            url-safe garbage that decodes    | AAAA
            """)
    void garbageIsRejected(String label, String token) {
        assertThatThrownBy(() -> ListQuery.decodeToken(token)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Well-formed base64 of something no listing ever ends a page on (a name or id is all a token carries). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a space                 | my endpoint
            SQL                     | x' or '1'='1
            leading hyphen          | -endpoint
            underscore              | my_endpoint
            non-ASCII letter        | modèle
            64 characters           | x234567890123456789012345678901234567890123456789012345678901234
            """)
    void tokensItDidNotMakeAreRejected(String label, String content) {
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(content.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ListQuery.decodeToken(token)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a token");
    }
}
