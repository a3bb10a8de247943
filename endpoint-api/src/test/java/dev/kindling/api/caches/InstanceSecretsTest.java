package dev.kindling.api.caches;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Launch secrets: 256 random bits, kept only as a hash, matched in constant time, read from a bearer header. */
class InstanceSecretsTest {

    @Test
    void secretsAre256RandomBitsInBase64Url() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String s = InstanceSecrets.newSecret();
            assertThat(s).matches("[A-Za-z0-9_-]{43}");
            seen.add(s);
        }
        assertThat(seen).hasSize(1000);
    }

    @Test
    void theHashIsTheHexSha256OfTheSecret() {
        // SHA-256("abc"), as published in FIPS 180-2.
        assertThat(InstanceSecrets.hash("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void onlyTheSecretItselfMatchesItsHash() {
        String secret = InstanceSecrets.newSecret();
        String hash = InstanceSecrets.hash(secret);
        assertThat(InstanceSecrets.matches(secret, hash)).isTrue();
        assertThat(InstanceSecrets.matches(secret + "x", hash)).isFalse();
        assertThat(InstanceSecrets.matches(hash, hash)).as("the hash is not the secret").isFalse();
        assertThat(InstanceSecrets.matches(InstanceSecrets.newSecret(), hash)).isFalse();
        assertThat(InstanceSecrets.matches(null, hash)).isFalse();
        assertThat(InstanceSecrets.matches(secret, null)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            a bearer token                 | Bearer abc-123   | abc-123
            the scheme in any case         | bearer abc-123   | abc-123
            spaces around are dropped      | '  Bearer  abc  '| abc
            no header                      | null             | null
            another scheme                 | Basic dXNlcjpw   | null
            the scheme alone               | Bearer           | null
            the scheme and spaces          | 'Bearer    '     | null
            a token without a scheme       | abc-123          | null
            """)
    void readsTheBearerToken(String label, String header, String token) {
        assertThat(InstanceSecrets.bearerToken(header)).isEqualTo(token);
    }
}
