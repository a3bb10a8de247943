package dev.kindling.agent.cache.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.cache.peer.PeerAccess.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who may fetch from an instance: only the bearer of its current grant's peer token. */
class PeerAccessTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            the endpoint's token                  | Bearer tok-1         | tok-1 | ALLOWED
            the scheme in any case                | bearer tok-1         | tok-1 | ALLOWED
            another endpoint's token              | Bearer tok-2         | tok-1 | FORBIDDEN
            a token that starts like it           | Bearer tok-1x        | tok-1 | FORBIDDEN
            a token when none is granted          | Bearer tok-1         | null  | FORBIDDEN
            no Authorization header               | null                 | tok-1 | UNAUTHENTICATED
            no Authorization header, none granted | null                 | null  | UNAUTHENTICATED
            another scheme                        | Basic dG9rLTE=       | tok-1 | UNAUTHENTICATED
            a bearer without a token              | 'Bearer '            | tok-1 | UNAUTHENTICATED
            """)
    void onlyTheCurrentPeerTokenIsLetIn(String label, String authorization, String granted, Verdict expected) {
        assertThat(PeerAccess.check(authorization, granted)).isEqualTo(expected);
    }
}
