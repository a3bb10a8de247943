package dev.kindling.agent.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Image references as users write them, with and without a default registry. */
class ImageReferenceTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            ECR tag                        | 123456789012.dkr.ecr.us-east-1.amazonaws.com/lmi:0.33 | -              | 123456789012.dkr.ecr.us-east-1.amazonaws.com | lmi        | 0.33   | 0.33
            host with port, nested repo    | 127.0.0.1:5000/team/llm:v1                            | -              | 127.0.0.1:5000                               | team/llm   | v1     | v1
            no tag means latest            | localhost/app                                         | -              | localhost                                    | app        | latest | latest
            digest wins over tag to ask    | reg.example/app:v1@sha256:abababababababababababababababababababababababababababababababab | - | reg.example | app | v1 | sha256:abababababababababababababababababababababababababababababababab
            default registry for a bare    | team/model:1                                          | 127.0.0.1:8080 | 127.0.0.1:8080                               | team/model | 1      | 1
            default registry, one part     | model:1                                               | 127.0.0.1:8080 | 127.0.0.1:8080                               | model      | 1      | 1
            a host is kept over default    | reg.example/app:2                                     | 127.0.0.1:8080 | reg.example                                  | app        | 2      | 2
            """)
    void parses(String label, String reference, String defaultRegistry, String registry, String repository, String tag,
                String asked) {
        ImageReference ref = ImageReference.parse(reference, defaultRegistry);
        assertThat(ref.registry()).isEqualTo(registry);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).isEqualTo(tag);
        assertThat(ref.manifestReference()).isEqualTo(asked);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no registry host                | team/model:1           | needs a registry host
            upper case repository           | reg.example/Team:1     | bad repository
            bad tag                         | reg.example/app:-x     | bad tag
            bad digest                      | reg.example/app@sha256:12 | not a sha256 digest
            empty                           | ' '                    | empty
            """)
    void refuses(String label, String reference, String message) {
        assertThatThrownBy(() -> ImageReference.parse(reference)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @org.junit.jupiter.api.Test
    void aMirrorKeepsRepositoryTagAndDigest() {
        ImageReference ecr = ImageReference.parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/lmi:1@" + DIGEST);
        ImageReference mirrored = ecr.onRegistry("127.0.0.1:8080");
        assertThat(mirrored.toString()).isEqualTo("127.0.0.1:8080/lmi:1@" + DIGEST);
    }
}
