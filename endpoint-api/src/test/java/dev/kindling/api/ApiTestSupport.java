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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the API tests: a real Kindling on a random port, over a fresh PostgreSQL database, with the local fleet
 * booting instances at once and the reconciler ticking fast. Each test class gets its own database.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "kindling.fleet.local.time-scale=0",
        "kindling.fleet.local.heartbeat-interval-millis=100",
        "kindling.reconciler.interval-millis=50",
        "kindling.reconciler.heartbeat-timeout-millis=1500",
        "kindling.reconciler.failed-copy-retry-delay-millis=200",
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

    protected WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }
}
