package dev.kindling.db;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.ConnectionFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The control plane's PostgreSQL: starts the embedded one when no URL is set, migrates the schema with Flyway
 * over JDBC, and hands out a pooled R2DBC connection factory for the application (and single unpooled
 * connections for sessions that must stay one session, such as a lock holder's).
 */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final EmbeddedPostgres embedded;
    private final String host;
    private final int port;
    private final String databaseName;
    private final String username;
    private final String password;
    private final PostgresqlConnectionFactory direct;
    private final ConnectionPool pool;

    private Database(EmbeddedPostgres embedded, String host, int port, String databaseName, String username,
                     String password, int poolMaxSize) {
        this.embedded = embedded;
        this.host = host;
        this.port = port;
        this.databaseName = databaseName;
        this.username = username;
        this.password = password;
        this.direct = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host(host).port(port).database(databaseName).username(username).password(password == null ? "" : password)
                .connectTimeout(Duration.ofSeconds(10)).build());
        this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(direct)
                .maxSize(poolMaxSize).initialSize(Math.min(2, poolMaxSize))
                .maxAcquireTime(Duration.ofSeconds(10)).maxIdleTime(Duration.ofMinutes(10)).build());
    }

    /** Starts (if embedded), migrates and connects. */
    public static Database start(DatabaseSettings settings) {
        Database db = settings.embedded() ? startEmbedded(settings) : connectExternal(settings);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private static Database startEmbedded(DatabaseSettings settings) {
        try {
            Files.createDirectories(settings.embeddedDataDirectory());
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(settings.embeddedDataDirectory())
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(30))
                    .start();
            log.atInfo().addKeyValue("dataDirectory", settings.embeddedDataDirectory()).addKeyValue("port", pg.getPort())
                    .log("Started embedded PostgreSQL");
            return new Database(pg, "localhost", pg.getPort(), "postgres", "postgres", "", settings.poolMaxSize());
        } catch (IOException | RuntimeException e) {
            throw new DatabaseException("could not start the embedded PostgreSQL in " + settings.embeddedDataDirectory()
                    + " (is another Kindling using it?): " + e.getMessage(), e);
        }
    }

    private static Database connectExternal(DatabaseSettings settings) {
        String url = settings.url().startsWith("jdbc:") ? settings.url().substring(5) : settings.url();
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new DatabaseException("kindling.database.url is not a PostgreSQL URL: " + settings.url(), e);
        }
        if (!"postgresql".equals(uri.getScheme()) || uri.getHost() == null || uri.getPath() == null
                || uri.getPath().length() < 2) {
            throw new DatabaseException("kindling.database.url must look like jdbc:postgresql://host:5432/database, was "
                    + settings.url(), null);
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        return new Database(null, uri.getHost(), port, uri.getPath().substring(1), settings.username(),
                settings.password(), settings.poolMaxSize());
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + databaseName;
    }

    public ConnectionFactory connectionFactory() {
        return pool;
    }

    /**
     * Opens one connection outside the pool, for a session whose state (a session-level advisory lock, LISTEN)
     * must live exactly as long as the connection. The caller closes it; the pool never sees it.
     */
    public Mono<PostgresqlConnection> openDedicatedConnection() {
        return direct.create();
    }

    private void migrate() {
        try {
            MigrateResult result = Flyway.configure()
                    .dataSource(jdbcUrl(), username, password)
                    .locations("classpath:db/migration")
                    .connectRetries(3)
                    .load()
                    .migrate();
            log.atInfo().addKeyValue("applied", result.migrationsExecuted).addKeyValue("schemaVersion", result.targetSchemaVersion)
                    .log("Database schema migrated");
        } catch (RuntimeException e) {
            throw new DatabaseException("could not migrate the schema at " + jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.dispose();
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                log.warn("Could not stop embedded PostgreSQL cleanly", e);
            }
        }
    }
}
