package dev.kindling.db.store;

import dev.kindling.db.model.ScalableTargetRecord;
import dev.kindling.db.model.ScalingPolicyRecord;
import io.r2dbc.spi.Row;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Scalable targets and scaling policies of inference components. */
public final class ScalingStore {

    private static final String TARGET = "select component_name, min_capacity, max_capacity, scale_in_suspended, "
            + "scale_out_suspended, created_at, updated_at, version from scalable_targets";
    private static final String POLICY = "select component_name, policy_name, policy_type, configuration::text as configuration, "
            + "created_at, updated_at, version from scaling_policies";

    private final DatabaseClient db;

    public ScalingStore(DatabaseClient db) {
        this.db = db;
    }

    public Mono<ScalableTargetRecord> findTarget(String component) {
        return db.sql(TARGET + " where component_name = :c").bind("c", component).map((row, m) -> mapTarget(row)).one();
    }

    /**
     * Creates or replaces the target. With {@code expectedVersion} set, replaces only that version (If-Match);
     * returns false when it changed meanwhile.
     */
    public Mono<Boolean> putTarget(ScalableTargetRecord t, Long expectedVersion) {
        String sql = "insert into scalable_targets (component_name, min_capacity, max_capacity, scale_in_suspended, "
                + "scale_out_suspended, created_at, updated_at, version) values (:c, :min, :max, :in, :out, :now, :now, 1) "
                + "on conflict (component_name) do update set min_capacity = excluded.min_capacity, "
                + "max_capacity = excluded.max_capacity, scale_in_suspended = excluded.scale_in_suspended, "
                + "scale_out_suspended = excluded.scale_out_suspended, updated_at = excluded.updated_at, "
                + "version = scalable_targets.version + 1"
                + (expectedVersion == null ? "" : " where scalable_targets.version = :version");
        var spec = db.sql(sql).bind("c", t.componentName()).bind("min", t.minCapacity()).bind("max", t.maxCapacity())
                .bind("in", t.scaleInSuspended()).bind("out", t.scaleOutSuspended()).bind("now", Sql.ts(t.lastModifiedTime()));
        if (expectedVersion != null) spec = spec.bind("version", expectedVersion);
        return spec.fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> deleteTarget(String component) {
        return db.sql("delete from scalable_targets where component_name = :c").bind("c", component)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Every policy of every component (the reconciler reads their cooldowns, the scaler the policies). */
    public Flux<ScalingPolicyRecord> findAllPolicies() {
        return db.sql(POLICY + " order by component_name, policy_name").map((row, m) -> mapPolicy(row)).all();
    }

    /** Every registered target. */
    public Flux<ScalableTargetRecord> findAllTargets() {
        return db.sql(TARGET + " order by component_name").map((row, m) -> mapTarget(row)).all();
    }

    public Flux<ScalingPolicyRecord> findPolicies(String component) {
        return db.sql(POLICY + " where component_name = :c order by policy_name").bind("c", component)
                .map((row, m) -> mapPolicy(row)).all();
    }

    public Mono<ScalingPolicyRecord> findPolicy(String component, String policyName) {
        return db.sql(POLICY + " where component_name = :c and policy_name = :p").bind("c", component).bind("p", policyName)
                .map((row, m) -> mapPolicy(row)).one();
    }

    /** Creates or replaces a policy; with {@code expectedVersion}, replaces only that version. */
    public Mono<Boolean> putPolicy(ScalingPolicyRecord p, Long expectedVersion) {
        String sql = "insert into scaling_policies (component_name, policy_name, policy_type, configuration, created_at, "
                + "updated_at, version) values (:c, :p, :type, cast(:config as jsonb), :now, :now, 1) "
                + "on conflict (component_name, policy_name) do update set policy_type = excluded.policy_type, "
                + "configuration = excluded.configuration, updated_at = excluded.updated_at, "
                + "version = scaling_policies.version + 1"
                + (expectedVersion == null ? "" : " where scaling_policies.version = :version");
        var spec = db.sql(sql).bind("c", p.componentName()).bind("p", p.policyName()).bind("type", p.policyType())
                .bind("config", p.configurationJson()).bind("now", Sql.ts(p.lastModifiedTime()));
        if (expectedVersion != null) spec = spec.bind("version", expectedVersion);
        return spec.fetch().rowsUpdated().map(n -> n == 1);
    }

    public Mono<Boolean> deletePolicy(String component, String policyName) {
        return db.sql("delete from scaling_policies where component_name = :c and policy_name = :p")
                .bind("c", component).bind("p", policyName).fetch().rowsUpdated().map(n -> n == 1);
    }

    private static ScalableTargetRecord mapTarget(Row row) {
        return new ScalableTargetRecord(row.get("component_name", String.class), row.get("min_capacity", Integer.class),
                row.get("max_capacity", Integer.class), row.get("scale_in_suspended", Boolean.class),
                row.get("scale_out_suspended", Boolean.class), Sql.instant(row, "created_at"),
                Sql.instant(row, "updated_at"), row.get("version", Long.class));
    }

    private static ScalingPolicyRecord mapPolicy(Row row) {
        return new ScalingPolicyRecord(row.get("component_name", String.class), row.get("policy_name", String.class),
                row.get("policy_type", String.class), row.get("configuration", String.class),
                Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"), row.get("version", Long.class));
    }
}
