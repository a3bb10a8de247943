package dev.kindling.db.store;

import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.InferenceComponent;
import io.r2dbc.spi.Row;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Inference components. Updates are version-checked like endpoints'. */
public final class InferenceComponentStore {

    private static final String SELECT = "select name, endpoint_name, variant_name, specification::text as specification, "
            + "spec_revision, desired_copy_count, status, failure_reason, created_at, updated_at, status_since, version "
            + "from inference_components";

    private final DatabaseClient db;

    public InferenceComponentStore(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Inserts the component if its endpoint exists and is not being deleted; false if the name is taken.
     * Callers check the endpoint first; the guard here closes the race with a concurrent endpoint delete.
     */
    public Mono<Boolean> create(InferenceComponent c) {
        return db.sql("insert into inference_components (name, endpoint_name, variant_name, specification, spec_revision, "
                        + "desired_copy_count, status, created_at, updated_at, status_since, version) "
                        + "select :name, :endpoint, :variant, cast(:spec as jsonb), 1, :copies, :status, :created, :created, :created, 1 "
                        + "where exists (select 1 from endpoints where name = :endpoint and status <> 'Deleting') "
                        + "on conflict (name) do nothing")
                .bind("name", c.name()).bind("endpoint", c.endpointName()).bind("variant", c.variantName())
                .bind("spec", Sql.toJson(c.specification())).bind("copies", c.desiredCopyCount())
                .bind("status", c.status().name()).bind("created", Sql.ts(c.creationTime()))
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<InferenceComponent> find(String name) {
        return db.sql(SELECT + " where name = :name").bind("name", name).map((row, m) -> map(row)).one();
    }

    public Flux<InferenceComponent> findAll() {
        return db.sql(SELECT + " order by name").map((row, m) -> map(row)).all();
    }

    public Flux<InferenceComponent> findByEndpoint(String endpointName) {
        return db.sql(SELECT + " where endpoint_name = :endpoint order by name").bind("endpoint", endpointName)
                .map((row, m) -> map(row)).all();
    }

    public Mono<Page<InferenceComponent>> list(ListQuery query) {
        return Sql.list(db, SELECT, "inference_components", "name", "endpoint_name", query, InferenceComponentStore::map,
                InferenceComponent::name);
    }

    /** Writes the mutable fields if the version is still {@code expectedVersion}; bumps the version. */
    public Mono<Boolean> update(InferenceComponent u, long expectedVersion) {
        return Sql.bind(db.sql("update inference_components set specification = cast(:spec as jsonb), "
                                + "spec_revision = :revision, desired_copy_count = :copies, status = :status, "
                                + "failure_reason = :reason, updated_at = :updated, status_since = :since, "
                                + "version = version + 1 where name = :name and version = :version"),
                        "reason", u.failureReason(), String.class)
                .bind("spec", Sql.toJson(u.specification())).bind("revision", u.specRevision())
                .bind("copies", u.desiredCopyCount()).bind("status", u.status().name())
                .bind("updated", Sql.ts(u.lastModifiedTime())).bind("since", Sql.ts(u.statusSince()))
                .bind("name", u.name()).bind("version", expectedVersion)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> delete(String name) {
        return db.sql("delete from inference_components where name = :name").bind("name", name)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    private static InferenceComponent map(Row row) {
        return new InferenceComponent(row.get("name", String.class), row.get("endpoint_name", String.class),
                row.get("variant_name", String.class),
                Sql.fromJson(row.get("specification", String.class), ComponentSpec.class),
                row.get("spec_revision", Long.class), row.get("desired_copy_count", Integer.class),
                ComponentStatus.valueOf(row.get("status", String.class)), row.get("failure_reason", String.class),
                Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"), Sql.instant(row, "status_since"),
                row.get("version", Long.class));
    }
}
