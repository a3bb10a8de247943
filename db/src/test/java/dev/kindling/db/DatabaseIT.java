package dev.kindling.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.store.EndpointConfigStore;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.r2dbc.core.DatabaseClient;

/** The bootstrap: migrations, external URLs, and an embedded PostgreSQL whose data survives a restart. */
class DatabaseIT {

    private static final List<String> TABLES = List.of("copies", "endpoint_caches", "endpoint_configs", "endpoints", "inference_components",
            "instances", "router_load", "scalable_targets", "scaling_events", "scaling_policies");
    private static final EndpointConfig CONFIG = new EndpointConfig("kept", List.of(), Instant.parse("2026-01-01T00:00:00Z"));

    private static DatabaseClient client(Database db) {
        return DatabaseClient.create(db.connectionFactory());
    }

    private static List<String> tables(Database db) {
        return client(db).sql("select table_name from information_schema.tables where table_schema = 'public' "
                        + "and table_name <> 'flyway_schema_history' order by table_name")
                .map((row, m) -> row.get(0, String.class)).all().collectList().block();
    }

    /** Flyway's history: one row per applied migration, with when it ran. */
    private static List<Map<String, Object>> history(Database db) {
        return client(db).sql("select version, success, installed_on::text as installed_on from flyway_schema_history "
                + "order by installed_rank").fetch().all().collectList().block();
    }

    @Test
    void migratesAnEmptyDatabaseToTheControlPlaneSchema() {
        try (Database db = Database.start(TestDatabases.fresh())) {
            assertThat(tables(db)).containsExactlyElementsOf(TABLES);
            assertThat(history(db)).extracting(h -> h.get("version")).containsExactly("1", "2", "3", "4");
            assertThat(history(db)).allSatisfy(h -> {
                assertThat(h.get("success")).isEqualTo(true);
            });
        }
    }

    @Test
    void startingOnAnAlreadyMigratedDatabaseChangesNothing() {
        DatabaseSettings settings = TestDatabases.fresh();
        List<Map<String, Object>> firstHistory;
        try (Database db = Database.start(settings)) {
            firstHistory = history(db);
            assertThat(new EndpointConfigStore(client(db)).create(CONFIG).block()).isTrue();
        }

        try (Database again = Database.start(settings)) {
            assertThat(history(again)).isEqualTo(firstHistory);
            assertThat(tables(again)).containsExactlyElementsOf(TABLES);
            assertThat(new EndpointConfigStore(client(again)).find("kept").block()).isEqualTo(CONFIG);
        }
    }

    @Test
    void aUrlWithoutTheJdbcPrefixWorksToo() {
        DatabaseSettings jdbc = TestDatabases.fresh();
        DatabaseSettings plain = new DatabaseSettings(jdbc.url().substring("jdbc:".length()), jdbc.username(),
                jdbc.password(), null, 2);

        try (Database db = Database.start(plain)) {
            assertThat(db.jdbcUrl()).isEqualTo(jdbc.url());
            assertThat(tables(db)).containsExactlyElementsOf(TABLES);
        }
    }

    /** Each is refused before any connection is tried, with the setting to fix named. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            MySQL JDBC URL        | jdbc:mysql://db:3306/kindling
            MySQL URL             | mysql://db:3306/kindling
            HTTP URL              | http://db:5432/kindling
            no database name      | jdbc:postgresql://db:5432/
            no host               | jdbc:postgresql:///kindling
            no slashes            | postgresql:kindling
            not a URL at all      | jdbc:postgresql://db:5432/my database
            """)
    void aUrlThatIsNotAPostgresqlUrlNamesTheSetting(String label, String url) {
        assertThatThrownBy(() -> Database.start(new DatabaseSettings(url, "u", "p", null, 2)))
                .isInstanceOf(DatabaseException.class)
                .hasMessageContaining("kindling.database.url")
                .hasMessageContaining(url);
    }

    @Test
    void aDatabaseHoldingSomeoneElsesTablesIsNotMigratedOver() throws SQLException {
        DatabaseSettings settings = TestDatabases.fresh();
        try (Connection c = DriverManager.getConnection(settings.url(), settings.username(), settings.password())) {
            c.createStatement().execute("create table their_table (id int)");
        }

        assertThatThrownBy(() -> Database.start(settings)).isInstanceOf(DatabaseException.class)
                .hasMessageContaining("could not migrate").hasMessageContaining(settings.url());
    }

    @Test
    void embeddedDataSurvivesACloseAndAStartOnTheSameDirectory(@TempDir Path dir) {
        DatabaseSettings settings = new DatabaseSettings(null, null, null, dir, 4);
        assertThat(settings.embedded()).isTrue();

        try (Database db = Database.start(settings)) {
            assertThat(new EndpointConfigStore(client(db)).create(CONFIG).block()).isTrue();
        }
        // The cluster lives in the given directory, not in a temporary one of the library's choosing.
        assertThat(dir.resolve("PG_VERSION")).isRegularFile();

        try (Database db = Database.start(settings)) {
            assertThat(new EndpointConfigStore(client(db)).find("kept").block()).isEqualTo(CONFIG);
            assertThat(history(db)).as("nothing migrated twice").hasSize(4);
        }
    }

    @Test
    void aDedicatedConnectionIsASessionOfItsOwnOutsideThePool() {
        try (Database db = Database.start(TestDatabases.fresh())) {
            PostgresqlConnection dedicated = db.openDedicatedConnection().block(Duration.ofSeconds(10));
            try {
                dedicated.createStatement("select pg_advisory_lock(4242)").execute()
                        .flatMap(r -> r.map((row, m) -> row.get(0))).then().block(Duration.ofSeconds(10));

                // A session-level lock held by the dedicated connection is someone else's lock to every pooled one.
                assertThat(client(db).sql("select pg_try_advisory_lock(4242)").map((row, m) -> row.get(0, Boolean.class))
                        .one().block()).isFalse();
            } finally {
                dedicated.close().block(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void aSecondEmbeddedDatabaseOnADirectoryInUseIsRefused(@TempDir Path dir) {
        DatabaseSettings settings = new DatabaseSettings(null, null, null, dir, 2);
        try (Database first = Database.start(settings)) {
            assertThatThrownBy(() -> Database.start(settings).close()).isInstanceOf(DatabaseException.class)
                    .hasMessageContaining(dir.toString());
            // The refused start must leave the running one alone.
            assertThat(new EndpointConfigStore(client(first)).create(CONFIG).block()).isTrue();
        }
    }
}
