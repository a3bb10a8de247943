package dev.kindling.api.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.api.KindlingApplication;
import dev.kindling.db.DatabaseSettings;
import dev.kindling.db.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The registry lives in its data directory: a new control plane on the same directory serves the same tags,
 * digests and bytes. Turned off, it serves nothing and touches no disk; pointed at a directory it cannot use,
 * the control plane does not start and says which setting is wrong.
 */
class RegistryRestartIT {

    private final DatabaseSettings db = TestDatabases.fresh();
    @TempDir
    Path tmp;

    private ConfigurableApplicationContext start(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--kindling.database.url=" + db.url(),
                "--kindling.database.username=" + db.username(),
                "--kindling.database.password=" + db.password(),
                "--kindling.fleet.local.time-scale=0",
                "--logging.level.dev.kindling=warn"));
        args.addAll(List.of(extra));
        return new SpringApplicationBuilder(KindlingApplication.class).run(args.toArray(String[]::new));
    }

    private static String host(ConfigurableApplicationContext app) {
        return "127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }

    private static WebTestClient client(ConfigurableApplicationContext app) {
        return WebTestClient.bindToServer().baseUrl("http://" + host(app)).responseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String digestOf(WebTestClient c, String repository, String tag) {
        return c.get().uri("/v2/" + repository + "/manifests/" + tag).exchange().expectStatus().isOk()
                .expectBody(byte[].class).returnResult().getResponseHeaders().getFirst("Docker-Content-Digest");
    }

    @Test
    void tagsSurviveANewControlPlaneOnTheSameDataDirectory() throws Exception {
        Path data = tmp.resolve("registry");
        TestLayout layout = new TestLayout(tmp.resolve("layout"));
        Descriptor image = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(1, 150_000)));
        layout.names(new TestLayout.Named(image, "v1"));
        String generated;
        Map<?, ?> repositoriesBefore;
        try (ConfigurableApplicationContext first = start("--kindling.registry.embedded.data-directory=" + data)) {
            WebTestClient c = client(first);
            c.post().uri("/v1/registry/generated-images").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"image\":\"demo/app:1\",\"layers\":[{\"sizeBytes\":100000},{\"sizeBytes\":10}]}")
                    .exchange().expectStatus().isCreated();
            c.post().uri("/v1/registry/imports").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"source\":\"oci:" + layout.dir + ":v1\",\"image\":\"layout/app:v1\"}")
                    .exchange().expectStatus().isCreated();
            generated = digestOf(c, "demo/app", "1");
            repositoriesBefore = c.get().uri("/v1/registry/repositories").exchange().expectBody(Map.class)
                    .returnResult().getResponseBody();
        }

        try (ConfigurableApplicationContext second = start("--kindling.registry.embedded.data-directory=" + data)) {
            WebTestClient c = client(second);
            c.get().uri("/v2/_catalog").exchange().expectStatus().isOk()
                    .expectBody().json("{\"repositories\":[\"demo/app\",\"layout/app\"]}");
            assertThat(digestOf(c, "demo/app", "1")).isEqualTo(generated);
            assertThat(digestOf(c, "layout/app", "v1")).isEqualTo(image.digest().toString());
            assertThat(c.get().uri("/v1/registry/repositories").exchange().expectBody(Map.class).returnResult()
                    .getResponseBody()).isEqualTo(repositoriesBefore);
            assertThat(AgentPull.pullAndVerify(host(second), "demo/app:1", tmp.resolve("pulls")).digest().toString())
                    .isEqualTo(generated);
            assertThat(AgentPull.pullAndVerify(host(second), "layout/app:v1", tmp.resolve("pulls")).digest())
                    .isEqualTo(image.digest());
        }
    }

    @Test
    void aDisabledRegistryServesNothingAndTouchesNoDisk() {
        Path data = tmp.resolve("unused");
        try (ConfigurableApplicationContext app = start("--kindling.registry.embedded.enabled=false",
                "--kindling.registry.embedded.data-directory=" + data)) {
            WebTestClient c = client(app);
            c.get().uri("/v2/").exchange().expectStatus().isNotFound();
            c.get().uri("/v1/registry/repositories").exchange().expectStatus().isNotFound();
            c.post().uri("/v1/registry/generated-images").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"image\":\"demo/app:1\",\"layers\":[{\"sizeBytes\":1}]}").exchange().expectStatus().isNotFound();
        }
        assertThat(data).doesNotExist();
    }

    @Test
    void aDataDirectoryThatCannotBeUsedStopsStartUpNamingTheKey() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        assertThatThrownBy(() -> start("--kindling.registry.embedded.data-directory=" + file.resolve("registry")).close())
                .hasStackTraceContaining("kindling.registry.embedded.data-directory: cannot open the registry under "
                        + file.resolve("registry"));
    }
}
