package dev.kindling.db.store;

import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.ProductionVariant;
import io.r2dbc.spi.Row;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;

/** Endpoint configs: created once, read, listed, deleted when no endpoint uses them. */
public final class EndpointConfigStore {

    private static final TypeReference<List<ProductionVariant>> VARIANTS = new TypeReference<>() {};
    private static final String SELECT = "select name, production_variants::text as production_variants, created_at from endpoint_configs";

    /** What a delete did. */
    public enum DeleteOutcome { DELETED, NOT_FOUND, IN_USE }

    private final DatabaseClient db;

    public EndpointConfigStore(DatabaseClient db) {
        this.db = db;
    }

    /** Inserts the config; false if one with that name exists. */
    public Mono<Boolean> create(EndpointConfig config) {
        return db.sql("insert into endpoint_configs (name, production_variants, created_at) "
                        + "values (:name, cast(:variants as jsonb), :created) on conflict (name) do nothing")
                .bind("name", config.name())
                .bind("variants", Sql.toJson(config.productionVariants()))
                .bind("created", Sql.ts(config.creationTime()))
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<EndpointConfig> find(String name) {
        return db.sql(SELECT + " where name = :name").bind("name", name).map((row, m) -> map(row)).one();
    }

    public Mono<Page<EndpointConfig>> list(ListQuery query) {
        return Sql.list(db, SELECT, "endpoint_configs", "name", null, query, EndpointConfigStore::map, EndpointConfig::name);
    }

    /** Deletes the config unless an endpoint runs it or is being moved off it. */
    public Mono<DeleteOutcome> delete(String name) {
        return db.sql("delete from endpoint_configs c where c.name = :name "
                        + "and not exists (select 1 from endpoints e where e.config_name = c.name)")
                .bind("name", name).fetch().rowsUpdated()
                .flatMap(n -> n == 1 ? Mono.just(DeleteOutcome.DELETED)
                        : find(name).map(c -> DeleteOutcome.IN_USE).defaultIfEmpty(DeleteOutcome.NOT_FOUND));
    }

    /** Names of the endpoints that run this config. */
    public Mono<List<String>> usedBy(String name) {
        return db.sql("select name from endpoints where config_name = :name order by name").bind("name", name)
                .map((row, m) -> row.get("name", String.class)).all().collectList();
    }

    private static EndpointConfig map(Row row) {
        return new EndpointConfig(row.get("name", String.class),
                Sql.JSON.readValue(row.get("production_variants", String.class), VARIANTS),
                Sql.instant(row, "created_at"));
    }
}
