package dev.kindling.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.store.EndpointConfigStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.r2dbc.core.DatabaseClient;

/** The bootstrap: migrations, external URLs, and an embedded PostgreSQL whose data survives a restart. */
class DatabaseIT {

    @Test
    void migratesAnEmptyDatabaseAndIsANoOpTheSecondTime() {
        DatabaseSettings settings = TestDatabases.fresh();
        try (Database db = Database.start(settings)) {
            Long tables = DatabaseClient.create(db.connectionFactory())
                    .sql("select count(*) from information_schema.tables where table_name in "
                            + "('endpoint_configs','endpoints','inference_components','instances','copies',"
                            + "'scalable_targets','scaling_policies')")
                    .map((row, m) -> row.get(0, Long.class)).one().block();
            assertThat(tables).isEqualTo(7);
        }
        try (Database again = Database.start(settings)) {
            assertThat(again.jdbcUrl()).isEqualTo(settings.url());
        }
    }

    @Test
    void aUrlThatIsNotPostgresqlNamesTheKey() {
        assertThatThrownBy(() -> Database.start(new DatabaseSettings("mysql://db:3306/x", "u", "p", null, 2)))
                .isInstanceOf(DatabaseException.class).hasMessageContaining("kindling.database.url");
    }

    @Test
    void embeddedDataSurvivesARestartOnTheSameDirectory(@TempDir Path dir) {
        DatabaseSettings settings = new DatabaseSettings(null, null, null, dir.resolve("pg"), 2);
        EndpointConfig config = new EndpointConfig("kept", List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        try (Database db = Database.start(settings)) {
            assertThat(new EndpointConfigStore(DatabaseClient.create(db.connectionFactory())).create(config).block()).isTrue();
        }
        try (Database db = Database.start(settings)) {
            assertThat(new EndpointConfigStore(DatabaseClient.create(db.connectionFactory())).find("kept").block())
                    .isEqualTo(config);
        }
    }
}
