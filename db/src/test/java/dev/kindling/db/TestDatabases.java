package dev.kindling.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A real PostgreSQL for tests, one server per test JVM: a Testcontainers container where a Docker engine runs,
 * the embedded PostgreSQL binaries otherwise. Each {@link #fresh()} creates an empty database, so test classes
 * never see each other's rows.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Server server;

    private TestDatabases() {}

    private record Server(String host, int port, String user, String password, String kind) {
        String url(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }
    }

    /** Settings for a new, empty database on the shared server. */
    public static synchronized DatabaseSettings fresh() {
        Server s = server();
        String name = "kindling_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(s.url("postgres"), s.user(), s.password())) {
            c.createStatement().execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name + " on " + s.kind(), e);
        }
        return new DatabaseSettings(s.url(name), s.user(), s.password(), null, 8);
    }

    /** Which kind of server backs the tests: "testcontainers" or "embedded". */
    public static synchronized String kind() {
        return server().kind();
    }

    private static Server server() {
        if (server == null) {
            server = dockerAvailable() ? startContainer() : startEmbedded();
        }
        return server;
    }

    private static boolean dockerAvailable() {
        // Skip Testcontainers' probe (and its error log) where no Docker engine could be configured at all.
        if (System.getenv("DOCKER_HOST") == null && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
                && !java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("user.home"), ".docker"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // lives as long as the test JVM; Testcontainers' reaper removes it
    private static Server startContainer() {
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:18-alpine");
        pg.start();
        return new Server(pg.getHost(), pg.getMappedPort(5432), pg.getUsername(), pg.getPassword(), "testcontainers");
    }

    private static Server startEmbedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the temp data directory goes with the OS temp cleaner
                }
            }));
            return new Server("localhost", pg.getPort(), "postgres", "", "embedded");
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL for tests", e);
        }
    }
}
