package dev.kindling.api;

import dev.kindling.db.DatabaseSettings;
import dev.kindling.db.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import dev.kindling.api.s3.EmbeddedS3;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the API tests: a real Kindling on a random port, over a fresh PostgreSQL database, with the local fleet
 * booting instances at once and the reconciler ticking fast. Each test class gets its own database, registry, S3
 * store and instance disks, and finds in them the images and model the {@link Fixtures} name: copies pull real
 * bytes through the real data path.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "kindling.fleet.local.time-scale=0",
        "kindling.fleet.local.heartbeat-interval-millis=100",
        "kindling.reconciler.interval-millis=50",
        "kindling.reconciler.heartbeat-timeout-millis=1500",
        "kindling.reconciler.failed-copy-retry-delay-millis=200",
        "kindling.leader.poll-interval-millis=100",
        "kindling.s3.embedded.port=0",
        "logging.level.dev.kindling=warn"
})
public abstract class ApiTestSupport {

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        DatabaseSettings db = TestDatabases.fresh();
        registry.add("kindling.database.url", db::url);
        registry.add("kindling.database.username", db::username);
        registry.add("kindling.database.password", db::password);
        Path registryData = temporaryDirectory("kindling-registry-");
        registry.add("kindling.registry.embedded.data-directory", registryData::toString);
        Path s3Data = temporaryDirectory("kindling-s3-");
        registry.add("kindling.s3.embedded.data-directory", s3Data::toString);
        Path disks = temporaryDirectory("kindling-fleet-");
        registry.add("kindling.fleet.local.data-directory", disks::toString);
        Path caches = temporaryDirectory("kindling-caches-");
        registry.add("kindling.cache.directory", caches::toString);
    }

    @Autowired
    private EmbeddedS3 s3;
    private static final Set<Integer> SEEDED = ConcurrentHashMap.newKeySet();

    /** Puts the images and the model the fixtures name into this Kindling's registry and S3 store, once. */
    @BeforeEach
    void seedImagesAndModel() {
        if (SEEDED.add(port)) seed(client(), s3.endpoint());
    }

    /** Generates the fixtures' images in a Kindling's registry and uploads their model to its S3 store. */
    public static void seed(WebTestClient kindling, java.net.URI s3) {
        for (String image : Fixtures.IMAGES) {
            kindling.post().uri("/v1/registry/generated-images").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"image\":\"" + image + "\",\"layers\":[{\"sizeBytes\":65536}]}")
                    .exchange().expectStatus().isCreated();
        }
        Fixtures.putModel(s3, Fixtures.MODEL_BUCKET, Fixtures.MODEL_KEY);
    }

    /** A directory for a test Kindling's files (never ~/.kindling), removed when the test JVM exits. */
    public static Path temporaryDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // the JVM is exiting; a leftover temp directory is all that is lost
        }
    }

    /** POSTs a JSON body that must be created (201). */
    protected void post(String uri, String body) {
        client().post().uri(uri).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isCreated();
    }

    /** Waits (at most 30 s) for a component to reach {@code status} with {@code currentCopies} copies in service. */
    protected void awaitComponent(String name, String status, int currentCopies) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                client().get().uri("/v1/inference-components/" + name).exchange().expectStatus().isOk().expectBody()
                        .jsonPath("$.inferenceComponentStatus").isEqualTo(status)
                        .jsonPath("$.runtimeConfig.currentCopyCount").isEqualTo(currentCopies));
    }

    /** A component's copies as the API lists them. */
    @SuppressWarnings("unchecked")
    protected List<Map<String, Object>> copies(String component) {
        return client().get().uri("/v1/inference-components/" + component + "/copies").exchange()
                .expectStatus().isOk().expectBody(List.class).returnResult().getResponseBody();
    }

    /** A client that buffers up to 16 MiB: a Prometheus scrape after many components' histograms exceeds 256 KiB. */
    protected WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .codecs(c -> c.defaultCodecs().maxInMemorySize(16 << 20))
                .responseTimeout(Duration.ofSeconds(30)).build();
    }
}
