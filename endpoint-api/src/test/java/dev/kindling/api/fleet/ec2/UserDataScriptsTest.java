package dev.kindling.api.fleet.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The user data scripts: valid shell, the secret only where the agent reads it, and the builder's report lines
 * (run by bash here) readable by {@link BuilderConsole}.
 */
class UserDataScriptsTest {

    private static final String SECRET = "kis_0123456789abcdef";

    @TempDir
    Path dir;

    private static UserDataScripts.AgentBoot boot(String endpoint, String secret, boolean cache, String jarUrl) {
        return new UserDataScripts.AgentBoot("ki-7", "ml.g6.2xlarge", endpoint, URI.create("http://10.0.0.5:8080"),
                secret, "us-east-1", jarUrl, cache);
    }

    /** Runs bash with the arguments; returns what it printed, failing on a non-zero exit. */
    private static String bash(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Stream.concat(Stream.of("bash"), Arrays.stream(args)).toList())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("agent with cache", UserDataScripts.agent(boot("chat", SECRET, true, "https://x.example/a.jar"))),
                Arguments.of("agent without cache, jar in the AMI", UserDataScripts.agent(boot("chat", SECRET, false, null))),
                Arguments.of("agent from S3", UserDataScripts.agent(boot("chat", null, false, "s3://tools/kindling-agent.jar"))),
                Arguments.of("builder", UserDataScripts.cacheBuilder("chat", 3, "{\"images\":[\"a:1\"],\"models\":[]}",
                        "us-east-1", "https://x.example/a.jar")),
                Arguments.of("builder, jar in the AMI", UserDataScripts.cacheBuilder("chat", 3, "{}", "us-east-1", null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void isAShellScriptBashAccepts(String label, String script) throws Exception {
        Path file = dir.resolve("user-data.sh");
        Files.writeString(file, script);

        bash("-n", file.toString());
        assertThat(script).startsWith("#!/bin/bash\n").doesNotContain("set -x");
        assertThat(script.getBytes(StandardCharsets.UTF_8).length).isLessThan(UserDataScripts.MAX_BYTES);
    }

    @Test
    void theSecretIsWrittenOnceIntoTheAgentsEnvironmentFileOnly() {
        String script = UserDataScripts.agent(boot("chat", SECRET, true, null));

        assertThat(script.split(SECRET, -1)).hasSize(2);
        int envStart = script.indexOf("cat > /etc/kindling/agent.env <<'KINDLING_ENV'");
        int envEnd = script.indexOf("\nKINDLING_ENV\n");
        assertThat(script.indexOf(SECRET)).isBetween(envStart, envEnd);
        assertThat(script).contains("umask 077").contains("EnvironmentFile=/etc/kindling/agent.env");
    }

    @Test
    void anAgentWithoutASecretGetsNoSecretVariable() {
        assertThat(UserDataScripts.agent(boot("chat", null, false, null))).doesNotContain("KINDLING_INSTANCE_SECRET");
    }

    static Stream<Arguments> unsafeValues() {
        return Stream.of(
                Arguments.of("newline in the endpoint", "chat\nrm -rf /", SECRET, "KINDLING_ENDPOINT_NAME"),
                Arguments.of("quote in the endpoint", "chat'", SECRET, "KINDLING_ENDPOINT_NAME"),
                Arguments.of("space in the secret", "chat", "a b", "KINDLING_INSTANCE_SECRET"),
                Arguments.of("dollar in the secret", "chat", "a$HOME", "KINDLING_INSTANCE_SECRET"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsafeValues")
    void aValueTheEnvironmentFileCannotKeepIsRefused(String label, String endpoint, String secret, String variable) {
        assertThatThrownBy(() -> UserDataScripts.agent(boot(endpoint, secret, false, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(variable)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
    }

    static Stream<Arguments> words() {
        return Stream.of(
                Arguments.of("plain", "chat"),
                Arguments.of("spaces", "two words"),
                Arguments.of("single quotes", "it's 'quoted'"),
                Arguments.of("command substitution", "$(touch /tmp/pwned) `id`"),
                Arguments.of("newline", "a\nb"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("words")
    void aQuotedWordReachesTheShellUnchanged(String label, String word) throws Exception {
        assertThat(bash("-c", "printf %s " + UserDataScripts.shellQuote(word))).isEqualTo(word);
    }

    @Test
    void userDataOverSixteenKilobytesIsRefused() {
        String big = "#!/bin/bash\n" + "#".repeat(UserDataScripts.MAX_BYTES);

        assertThatThrownBy(() -> UserDataScripts.base64(big)).hasMessageContaining("at most 16384");
    }

    /** The builder script's own lines that report, as bash runs them (printing to stdout, not this machine's console). */
    private static String line(String script, String prefix) {
        return script.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void theBuildersContentReportReadsBackAsTheVolumesManifest() throws Exception {
        String script = UserDataScripts.cacheBuilder("chat", 3, "{}", "us-east-1", null);
        String manifest = BuilderReports.content("chat", 3, "repo/x:1", 10, "s3://b/m", 20);
        Files.writeString(dir.resolve("kindling-cache.json"), manifest);
        String snippet = String.join("\n", List.of(
                "report() { echo \"$1\"; }",
                line(script, "fail()"),
                "shutdown() { :; }",
                line(script, "content=$(").replace(UserDataScripts.CACHE_MOUNT, dir.toString()),
                line(script, "report \"" + UserDataScripts.CONTENT_MARKER)));

        String console = BuilderReports.BOOT_NOISE + bash("-c", snippet) + "[ 99.1] reboot: Power down\n";

        assertThat(BuilderConsole.read(console)).contains(new BuilderConsole.Built(manifest));
    }

    @Test
    void theBuildersFailureReportReadsBackAsItsReason() throws Exception {
        String script = UserDataScripts.cacheBuilder("chat", 3, "{}", "us-east-1", null);
        String reason = "build-cache exited with 3: pulling repo/x:1: HTTP 403\nline two 'quoted' $(not run)";
        String snippet = String.join("\n", List.of("report() { echo \"$1\"; }", line(script, "fail()"),
                "shutdown() { :; }", "sync() { :; }", "fail " + UserDataScripts.shellQuote(reason)));

        ProcessBuilder pb = new ProcessBuilder("bash", "-c", snippet).redirectErrorStream(true);
        Process p = pb.start();
        String console = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("fail exits non-zero").isEqualTo(1);

        assertThat(BuilderConsole.read(console)).contains(new BuilderConsole.Failed(reason));
    }
}
