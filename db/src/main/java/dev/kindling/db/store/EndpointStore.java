package dev.kindling.db.store;

import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointStatus;
import io.r2dbc.spi.Row;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Endpoints. Every update names the version it read and fails (returns false) if another write came first. */
public final class EndpointStore {

    private static final String SELECT = "select name, config_name, status, failure_reason, created_at, updated_at, "
            + "status_since, version from endpoints";

    private final DatabaseClient db;

    public EndpointStore(DatabaseClient db) {
        this.db = db;
    }

    /** Inserts the endpoint; false if one with that name exists. */
    public Mono<Boolean> create(Endpoint e) {
        return db.sql("insert into endpoints (name, config_name, status, failure_reason, created_at, updated_at, "
                        + "status_since, version) values (:name, :config, :status, null, :created, :created, :created, 1) "
                        + "on conflict (name) do nothing")
                .bind("name", e.name()).bind("config", e.configName()).bind("status", e.status().name())
                .bind("created", Sql.ts(e.creationTime()))
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Endpoint> find(String name) {
        return db.sql(SELECT + " where name = :name").bind("name", name).map((row, m) -> map(row)).one();
    }

    public Flux<Endpoint> findAll() {
        return db.sql(SELECT + " order by name").map((row, m) -> map(row)).all();
    }

    public Mono<Page<Endpoint>> list(ListQuery query) {
        return Sql.list(db, SELECT, "endpoints", "name", null, query, EndpointStore::map, Endpoint::name);
    }

    /**
     * Writes the mutable fields of {@code updated} if the stored version is still {@code expectedVersion}, and
     * bumps the version. False if the endpoint changed (or vanished) since it was read.
     */
    public Mono<Boolean> update(Endpoint updated, long expectedVersion) {
        return Sql.bind(db.sql("update endpoints set config_name = :config, status = :status, failure_reason = :reason, "
                                + "updated_at = :updated, status_since = :since, version = version + 1 "
                                + "where name = :name and version = :version"),
                        "reason", updated.failureReason(), String.class)
                .bind("config", updated.configName()).bind("status", updated.status().name())
                .bind("updated", Sql.ts(updated.lastModifiedTime())).bind("since", Sql.ts(updated.statusSince()))
                .bind("name", updated.name()).bind("version", expectedVersion)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> delete(String name) {
        return db.sql("delete from endpoints where name = :name").bind("name", name).fetch().rowsUpdated().map(n -> n == 1);
    }

    private static Endpoint map(Row row) {
        return new Endpoint(row.get("name", String.class), row.get("config_name", String.class),
                EndpointStatus.valueOf(row.get("status", String.class)), row.get("failure_reason", String.class),
                Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"), Sql.instant(row, "status_since"),
                row.get("version", Long.class));
    }
}
