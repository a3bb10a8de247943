package dev.kindling.db.store;

import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Instances: launched by the reconciler, registered and kept alive by their agents, terminated by the reconciler. */
public final class InstanceStore {

    private static final String SELECT = "select id, endpoint_name, variant_name, instance_type, status, agent_url, "
            + "failure_reason, launched_at, registered_at, last_heartbeat_at, terminated_at, idle_since, cached_bytes, "
            + "inventory::text as inventory from instances";

    private final DatabaseClient db;

    public InstanceStore(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Void> insert(Instance i) {
        return insert(i, null);
    }

    /** Inserts an instance launched for a scale-out ({@code scalingEventId}), or for no event (null). */
    public Mono<Void> insert(Instance i, String scalingEventId) {
        return Sql.bind(db.sql("insert into instances (id, endpoint_name, variant_name, instance_type, status, launched_at, "
                        + "scaling_event_id) values (:id, :endpoint, :variant, :type, :status, :launched, :event)"),
                        "event", scalingEventId, String.class)
                .bind("id", i.id()).bind("endpoint", i.endpointName()).bind("variant", i.variantName())
                .bind("type", i.instanceType()).bind("status", i.status().name()).bind("launched", Sql.ts(i.launchedAt()))
                .then();
    }

    /**
     * Inserts an instance launched with a secret: only its hash ({@code secretHash}, SHA-256 hex) is kept, which the
     * instance's agent proves itself against.
     */
    public Mono<Void> insert(Instance i, String scalingEventId, String secretHash) {
        return Sql.bind(Sql.bind(db.sql("insert into instances (id, endpoint_name, variant_name, instance_type, status, "
                                + "launched_at, scaling_event_id, secret_hash) values (:id, :endpoint, :variant, :type, "
                                + ":status, :launched, :event, :secret)"),
                        "event", scalingEventId, String.class), "secret", secretHash, String.class)
                .bind("id", i.id()).bind("endpoint", i.endpointName()).bind("variant", i.variantName())
                .bind("type", i.instanceType()).bind("status", i.status().name()).bind("launched", Sql.ts(i.launchedAt()))
                .then();
    }

    /**
     * The hash of the secret the instance was launched with: empty inside when it was launched without one (before
     * secrets, or by hand), and no value at all when there is no such instance.
     */
    public Mono<Optional<String>> secretHash(String id) {
        return db.sql("select secret_hash from instances where id = :id").bind("id", id)
                .map((row, m) -> Optional.ofNullable(row.get("secret_hash", String.class))).one();
    }

    /**
     * Instances of an endpoint whose agents registered, serve, and were launched with a secret: the ones its other
     * instances may fetch blobs from (peers), by id.
     */
    public Flux<Instance> findPeers(String endpointName) {
        return db.sql(SELECT + " where endpoint_name = :endpoint and status = 'InService' and agent_url is not null "
                        + "and secret_hash is not null order by id")
                .bind("endpoint", endpointName).map((row, m) -> map(row)).all();
    }

    public Mono<Instance> find(String id) {
        return db.sql(SELECT + " where id = :id").bind("id", id).map((row, m) -> map(row)).one();
    }

    /** Instances that are not yet terminated, of every endpoint. */
    public Flux<Instance> findUnterminated() {
        return db.sql(SELECT + " where status <> 'Terminated' order by id").map((row, m) -> map(row)).all();
    }

    /** Instances of one endpoint that are not yet terminated. */
    public Flux<Instance> findUnterminated(String endpointName) {
        return db.sql(SELECT + " where endpoint_name = :endpoint and status <> 'Terminated' order by id")
                .bind("endpoint", endpointName).map((row, m) -> map(row)).all();
    }

    public Mono<Page<Instance>> list(ListQuery query) {
        // Instances are listed by id: ListQuery's name filter and token apply to the id.
        return Sql.list(db, SELECT, "instances", "id", "endpoint_name", query, InstanceStore::map, Instance::id);
    }

    /** Records an agent's registration: the instance is InService unless it is already on its way out. */
    public Mono<Boolean> register(String id, String agentUrl, Instant now) {
        return db.sql("update instances set agent_url = :url, registered_at = coalesce(registered_at, :now), "
                        + "last_heartbeat_at = :now, status = case when status = 'Pending' then 'InService' else status end "
                        + "where id = :id and status in ('Pending', 'InService')")
                .bind("url", agentUrl).bind("now", Sql.ts(now)).bind("id", id)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Records a heartbeat; false if the instance is unknown or no longer live (its agent should stop). */
    public Mono<Boolean> heartbeat(String id, Instant now) {
        return db.sql("update instances set last_heartbeat_at = :now where id = :id and status = 'InService'")
                .bind("now", Sql.ts(now)).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Records a heartbeat and the bytes its agent keeps cached (null: the agent did not say; the last value stays). */
    public Mono<Boolean> heartbeat(String id, Instant now, Long cachedBytes) {
        return Sql.bind(db.sql("update instances set last_heartbeat_at = :now, cached_bytes = coalesce(:cached, cached_bytes) "
                        + "where id = :id and status = 'InService'"), "cached", cachedBytes, Long.class)
                .bind("now", Sql.ts(now)).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    /**
     * Records a heartbeat, the bytes its agent keeps cached and what they are ({@code inventoryJson}: agent protocol
     * CacheInventory as JSON). A null value means the agent did not say: the last one stays.
     */
    public Mono<Boolean> heartbeat(String id, Instant now, Long cachedBytes, String inventoryJson) {
        var spec = db.sql("update instances set last_heartbeat_at = :now, cached_bytes = coalesce(:cached, cached_bytes), "
                + "inventory = coalesce(cast(:inventory as jsonb), inventory) where id = :id and status = 'InService'");
        spec = Sql.bind(spec, "cached", cachedBytes, Long.class);
        spec = Sql.bind(spec, "inventory", inventoryJson, String.class);
        return spec.bind("now", Sql.ts(now)).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Marks since when an instance holds no copies, or (null) that it holds some again. */
    public Mono<Boolean> setIdleSince(String id, Instant since) {
        return Sql.bind(db.sql("update instances set idle_since = :since where id = :id"), "since", Sql.ts(since),
                        OffsetDateTime.class).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Moves a live instance to Terminating, keeping the first reason given. */
    public Mono<Boolean> markTerminating(String id, String reason) {
        return Sql.bind(db.sql("update instances set status = 'Terminating', "
                        + "failure_reason = coalesce(failure_reason, :reason) where id = :id and status in ('Pending', 'InService')"),
                        "reason", reason, String.class)
                .bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> markTerminated(String id, Instant now) {
        return db.sql("update instances set status = 'Terminated', terminated_at = :now where id = :id and status <> 'Terminated'")
                .bind("now", Sql.ts(now)).bind("id", id).fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Forgets terminated instances of a deleted endpoint. */
    public Mono<Long> deleteTerminated(String endpointName) {
        return db.sql("delete from instances i where endpoint_name = :endpoint and status = 'Terminated' "
                        + "and not exists (select 1 from copies c where c.instance_id = i.id)")
                .bind("endpoint", endpointName).fetch().rowsUpdated();
    }

    private static Instance map(Row row) {
        return new Instance(row.get("id", String.class), row.get("endpoint_name", String.class),
                row.get("variant_name", String.class), row.get("instance_type", String.class),
                InstanceStatus.valueOf(row.get("status", String.class)), row.get("agent_url", String.class),
                row.get("failure_reason", String.class), Sql.instant(row, "launched_at"),
                Sql.instant(row, "registered_at"), Sql.instant(row, "last_heartbeat_at"),
                Sql.instant(row, "terminated_at"), Sql.instant(row, "idle_since"), row.get("cached_bytes", Long.class),
                row.get("inventory", String.class));
    }
}
