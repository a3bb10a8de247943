package dev.kindling.api.fleet.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading a builder's report from its console output, among boot messages and line breaks. */
class BuilderConsoleTest {

    private static final String MANIFEST = BuilderReports.content("chat", 3, "repo/x:1", 10, "s3://b/m", 20);

    /** Breaks the report's long base64 line every 80 characters, as a serial console may. */
    private static String wrapped(String console) {
        StringBuilder out = new StringBuilder();
        for (String line : console.split("\n", -1)) {
            for (int i = 0; i < line.length(); i += 80) out.append(line, i, Math.min(line.length(), i + 80)).append("\r\n");
        }
        return out.toString();
    }

    static Stream<Arguments> consoles() {
        String built = BuilderReports.built(MANIFEST);
        return Stream.of(
                Arguments.of("no report yet", BuilderReports.BOOT_NOISE, Optional.empty()),
                Arguments.of("content among boot messages", built, Optional.of(new BuilderConsole.Built(MANIFEST))),
                Arguments.of("content broken over lines", wrapped(built), Optional.of(new BuilderConsole.Built(MANIFEST))),
                Arguments.of("content cut off before its end marker",
                        built.substring(0, built.indexOf(UserDataScripts.END_MARKER)), Optional.empty()),
                Arguments.of("content garbled", BuilderReports.BOOT_NOISE + UserDataScripts.CONTENT_MARKER
                        + " bm90IGd6aXA= " + UserDataScripts.END_MARKER, Optional.empty()),
                Arguments.of("failure", BuilderReports.failed("no empty data volume appeared at /dev/sdf"),
                        Optional.of(new BuilderConsole.Failed("no empty data volume appeared at /dev/sdf"))),
                Arguments.of("failure after an earlier run's content", built + BuilderReports.failed("disk full"),
                        Optional.of(new BuilderConsole.Failed("disk full"))),
                Arguments.of("content after an earlier run's failure", BuilderReports.failed("disk full") + built,
                        Optional.of(new BuilderConsole.Built(MANIFEST))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("consoles")
    void readsTheLastCompleteReport(String label, String console, Optional<BuilderConsole.Outcome> expected) {
        assertThat(BuilderConsole.read(console)).isEqualTo(expected);
    }
}
