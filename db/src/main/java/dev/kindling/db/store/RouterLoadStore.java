package dev.kindling.db.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The last second of router load each control-plane replica saw per component. Followers write theirs every second;
 * the leader's scaler adds the fresh ones of other replicas to its own router's.
 */
public final class RouterLoadStore {

    /** One replica's load of one component over the second that ended at {@code sampledAt}. */
    public record Row(String replicaId, String componentName, String endpointName, String variantName, Instant sampledAt,
                      double concurrency, long invocations, int held, Instant oldestHeldAt) {}

    private final DatabaseClient db;

    public RouterLoadStore(DatabaseClient db) {
        this.db = db;
    }

    /** Replaces a replica's rows with {@code rows} (components without load drop out). */
    public Mono<Void> put(String replicaId, List<Row> rows) {
        Mono<Void> clear = db.sql("delete from router_load where replica_id = :r").bind("r", replicaId).then();
        return clear.thenMany(Flux.fromIterable(rows).concatMap(r -> {
            GenericExecuteSpec spec = db.sql("insert into router_load (replica_id, component_name, endpoint_name, variant_name, "
                    + "sampled_at, concurrency, invocations, held, oldest_held_at) values (:r, :c, :e, :v, :at, :conc, :inv, "
                    + ":held, :oldest) on conflict (replica_id, component_name) do update set sampled_at = excluded.sampled_at, "
                    + "concurrency = excluded.concurrency, invocations = excluded.invocations, held = excluded.held, "
                    + "oldest_held_at = excluded.oldest_held_at");
            spec = Sql.bind(spec, "oldest", Sql.ts(r.oldestHeldAt()), OffsetDateTime.class);
            return spec.bind("r", replicaId).bind("c", r.componentName()).bind("e", r.endpointName())
                    .bind("v", r.variantName()).bind("at", Sql.ts(r.sampledAt())).bind("conc", r.concurrency())
                    .bind("inv", r.invocations()).bind("held", r.held()).fetch().rowsUpdated();
        })).then();
    }

    /** Rows of replicas other than {@code exceptReplica} sampled after {@code since}. */
    public Flux<Row> findFresh(String exceptReplica, Instant since) {
        return db.sql("select replica_id, component_name, endpoint_name, variant_name, sampled_at, concurrency, invocations, "
                        + "held, oldest_held_at from router_load where replica_id <> :r and sampled_at > :since")
                .bind("r", exceptReplica).bind("since", Sql.ts(since))
                .map((row, m) -> new Row(row.get("replica_id", String.class), row.get("component_name", String.class),
                        row.get("endpoint_name", String.class), row.get("variant_name", String.class),
                        Sql.instant(row, "sampled_at"), row.get("concurrency", Double.class),
                        row.get("invocations", Long.class), row.get("held", Integer.class), Sql.instant(row, "oldest_held_at")))
                .all();
    }
}
