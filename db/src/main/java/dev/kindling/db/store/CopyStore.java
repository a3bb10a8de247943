package dev.kindling.db.store;

import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.PlacedCopy;
import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Model copies: placed by the reconciler, their progress reported by the agents. */
public final class CopyStore {

    private static final String SELECT = "select id, component_name, instance_id, spec_revision, accelerators, cpu_millis, "
            + "memory_mb, status, model_server_url, failure_reason, created_at, ready_at, startup::text as startup from copies";

    private static final String SELECT_PLACED = SELECT.replace(" from copies", ", placement::text as placement from copies");

    private final DatabaseClient db;

    public CopyStore(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Void> insert(Copy c) {
        return insert(c, null);
    }

    /** Inserts a copy placed for a scale-out ({@code scalingEventId}), or for no event (null). */
    public Mono<Void> insert(Copy c, String scalingEventId) {
        return Sql.bind(db.sql("insert into copies (id, component_name, instance_id, spec_revision, accelerators, cpu_millis, "
                        + "memory_mb, status, created_at, scaling_event_id) values (:id, :component, :instance, :revision, "
                        + ":acc, :cpu, :mem, :status, :created, :event)"), "event", scalingEventId, String.class)
                .bind("id", c.id()).bind("component", c.componentName()).bind("instance", c.instanceId())
                .bind("revision", c.specRevision()).bind("acc", c.accelerators()).bind("cpu", c.cpuMillis())
                .bind("mem", c.memoryMb()).bind("status", c.status().name()).bind("created", Sql.ts(c.createdAt()))
                .then();
    }

    /**
     * Inserts a copy with why it went there ({@code placementJson}, null when not known), placed for a scale-out
     * ({@code scalingEventId}) or for no event (null).
     */
    public Mono<Void> insert(Copy c, String scalingEventId, String placementJson) {
        var spec = db.sql("insert into copies (id, component_name, instance_id, spec_revision, accelerators, cpu_millis, "
                + "memory_mb, status, created_at, scaling_event_id, placement) values (:id, :component, :instance, "
                + ":revision, :acc, :cpu, :mem, :status, :created, :event, cast(:placement as jsonb))");
        spec = Sql.bind(spec, "event", scalingEventId, String.class);
        spec = Sql.bind(spec, "placement", placementJson, String.class);
        return spec.bind("id", c.id()).bind("component", c.componentName()).bind("instance", c.instanceId())
                .bind("revision", c.specRevision()).bind("acc", c.accelerators()).bind("cpu", c.cpuMillis())
                .bind("mem", c.memoryMb()).bind("status", c.status().name()).bind("created", Sql.ts(c.createdAt()))
                .then();
    }

    /** A page of one component's copies, by id, each with its placement explanation. */
    public Mono<Page<PlacedCopy>> listPlacements(String component, ListQuery query) {
        ListQuery ofComponent = new ListQuery(query.nameContains(), query.statusEquals(), component, query.afterName(),
                query.maxResults());
        return Sql.list(db, SELECT_PLACED, "copies", "id", "component_name", ofComponent,
                row -> new PlacedCopy(map(row), row.get("placement", String.class)), p -> p.copy().id());
    }

    public Flux<Copy> findAll() {
        return db.sql(SELECT + " order by id").map((row, m) -> map(row)).all();
    }

    /** How many copies of each component are in service (components with none are absent). */
    public Mono<java.util.Map<String, Integer>> countInServiceByComponent() {
        return db.sql("select component_name, count(*)::int as n from copies where status = 'InService' group by component_name")
                .map((row, m) -> java.util.Map.entry(row.get("component_name", String.class), row.get("n", Integer.class)))
                .all().collectMap(java.util.Map.Entry::getKey, java.util.Map.Entry::getValue);
    }

    public Flux<Copy> findByComponent(String component) {
        return db.sql(SELECT + " where component_name = :c order by id").bind("c", component).map((row, m) -> map(row)).all();
    }

    public Flux<Copy> findByInstance(String instanceId) {
        return db.sql(SELECT + " where instance_id = :i order by id").bind("i", instanceId).map((row, m) -> map(row)).all();
    }

    /**
     * Records what an agent reports of a copy: its status, and how its start went ({@code startupJson}, kept when
     * the report has none). Applies only if the copy is still {@code expected} (the status the caller read), so of
     * two reports read at the same status only one moves it on, and a copy the control plane meanwhile asked to stop
     * or declared failed keeps that. A Stopping or Failed copy never takes a report. Says whether it applied.
     */
    public Mono<Boolean> reportObserved(String id, String instanceId, CopyStatus expected, CopyStatus status, String url,
                                        String reason, Instant readyAt, String startupJson) {
        var spec = db.sql("update copies set status = :status, model_server_url = :url, "
                + "failure_reason = :reason, ready_at = coalesce(ready_at, :ready), "
                + "startup = coalesce(cast(:startup as jsonb), startup) where id = :id and instance_id = :instance "
                + "and status = :expected and status not in ('Stopping', 'Failed')");
        spec = Sql.bind(spec, "url", url, String.class);
        spec = Sql.bind(spec, "reason", reason, String.class);
        spec = Sql.bind(spec, "ready", Sql.ts(readyAt), OffsetDateTime.class);
        spec = Sql.bind(spec, "startup", startupJson, String.class);
        return spec.bind("status", status.name()).bind("expected", expected.name()).bind("id", id).bind("instance", instanceId)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Marks a copy as failed by the control plane's own judgement (its instance died, it never started). */
    public Mono<Boolean> markFailed(String id, String reason) {
        return db.sql("update copies set status = 'Failed', failure_reason = :reason where id = :id and status <> 'Stopping'")
                .bind("reason", reason).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Records when a copy first answered a request through a router; the first report wins. */
    public Mono<Boolean> markFirstServed(String id, Instant at) {
        return db.sql("update copies set first_served_at = :at where id = :id and first_served_at is null")
                .bind("at", Sql.ts(at)).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> markStopping(String id) {
        return db.sql("update copies set status = 'Stopping' where id = :id").bind("id", id)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> delete(String id) {
        return db.sql("delete from copies where id = :id").bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    private static Copy map(Row row) {
        return new Copy(row.get("id", String.class), row.get("component_name", String.class),
                row.get("instance_id", String.class), row.get("spec_revision", Long.class),
                row.get("accelerators", Integer.class), row.get("cpu_millis", Long.class), row.get("memory_mb", Long.class),
                CopyStatus.valueOf(row.get("status", String.class)), row.get("model_server_url", String.class),
                row.get("failure_reason", String.class), Sql.instant(row, "created_at"), Sql.instant(row, "ready_at"),
                row.get("startup", String.class));
    }
}
