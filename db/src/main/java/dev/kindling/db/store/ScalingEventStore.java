package dev.kindling.db.store;

import dev.kindling.db.model.ScalingEvent;
import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Scaling events: written by the leader's scaler when it applies a decision, brought up to date phase by phase by
 * the reconciler, listed newest first. Event ids sort by decision time, so a page token is the last id seen.
 */
public final class ScalingEventStore {

    private static final String COLUMNS = "id, endpoint_name, component_name, variant_name, kind, status, from_copies, "
            + "to_copies, policy_name, burst, reason, threshold_crossed_at, decided_at, instance_requested_at, "
            + "instance_ready_at, image_ready_at, model_ready_at, container_healthy_at, first_request_at, completed_at, "
            + "image_tier, model_tier, copies::text as copies";
    private static final String SELECT = "select " + COLUMNS + " from scaling_events";

    /** One copy placed for a scale-out, as the tracker reads it: the copy, and the instance it landed on. */
    public record EventCopy(String copyId, String eventId, String instanceId, String status, Instant createdAt,
                            Instant readyAt, Instant firstServedAt, String startupJson, Instant instanceLaunchedAt,
                            Instant instanceRegisteredAt, String instanceEventId) {}

    private final DatabaseClient db;

    public ScalingEventStore(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Void> insert(ScalingEvent e) {
        GenericExecuteSpec spec = db.sql("insert into scaling_events (id, endpoint_name, component_name, variant_name, kind, "
                + "status, from_copies, to_copies, policy_name, burst, reason, threshold_crossed_at, decided_at, "
                + "completed_at) values (:id, :endpoint, :component, :variant, :kind, :status, :from, :to, :policy, "
                + ":burst, :reason, :crossed, :decided, :completed)");
        spec = Sql.bind(spec, "policy", e.policyName(), String.class);
        spec = Sql.bind(spec, "crossed", Sql.ts(e.thresholdCrossedAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "completed", Sql.ts(e.completedAt()), OffsetDateTime.class);
        return spec.bind("id", e.id()).bind("endpoint", e.endpointName()).bind("component", e.componentName())
                .bind("variant", e.variantName()).bind("kind", e.kind().name()).bind("status", e.status().name())
                .bind("from", e.fromCopies()).bind("to", e.toCopies()).bind("burst", e.burst())
                .bind("reason", e.reason()).bind("decided", Sql.ts(e.decidedAt())).then();
    }

    public Mono<ScalingEvent> find(String id) {
        return db.sql(SELECT + " where id = :id").bind("id", id).map((row, m) -> map(row)).one();
    }

    /** Scale-outs still followed, oldest first. */
    public Flux<ScalingEvent> findInProgress() {
        return db.sql(SELECT + " where status = 'InProgress' order by id").map((row, m) -> map(row)).all();
    }

    /** The events of an endpoint, newest first, optionally of one component. */
    public Mono<Page<ScalingEvent>> list(String endpointName, String componentName, String afterId, int maxResults) {
        String sql = SELECT + " where endpoint_name = :endpoint" + (componentName == null ? "" : " and component_name = :component")
                + (afterId == null ? "" : " and id < :after") + " order by id desc limit :limit";
        GenericExecuteSpec spec = db.sql(sql).bind("endpoint", endpointName).bind("limit", maxResults + 1);
        if (componentName != null) spec = spec.bind("component", componentName);
        if (afterId != null) spec = spec.bind("after", afterId);
        return spec.map((row, m) -> map(row)).all().collectList().map(rows -> {
            if (rows.size() <= maxResults) return new Page<>(rows, null);
            List<ScalingEvent> page = rows.subList(0, maxResults);
            return new Page<>(page, ListQuery.encodeToken(page.getLast().id()));
        });
    }

    /** When the component last scaled out and last scaled in, for a new leader's cooldown clocks; nulls if never. */
    public Mono<Instant[]> lastScaleTimes(String componentName) {
        return db.sql("select max(decided_at) filter (where kind in ('ScaleOut', 'ScaleFromZero')) as last_out, "
                        + "max(decided_at) filter (where kind in ('ScaleIn', 'ScaleToZero')) as last_in "
                        + "from scaling_events where component_name = :c")
                .bind("c", componentName)
                .map((row, m) -> new Instant[] {Sql.instant(row, "last_out"), Sql.instant(row, "last_in")}).one();
    }

    /** Writes what the tracker learned of an event's progress. */
    public Mono<Boolean> updateProgress(ScalingEvent e) {
        GenericExecuteSpec spec = db.sql("update scaling_events set status = :status, instance_requested_at = :requested, "
                + "instance_ready_at = :ready, image_ready_at = :image, model_ready_at = :model, "
                + "container_healthy_at = :healthy, first_request_at = :first, completed_at = :completed, "
                + "image_tier = :imageTier, model_tier = :modelTier, copies = cast(:copies as jsonb) "
                + "where id = :id and status = 'InProgress'");
        spec = Sql.bind(spec, "requested", Sql.ts(e.instanceRequestedAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "ready", Sql.ts(e.instanceReadyAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "image", Sql.ts(e.imageReadyAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "model", Sql.ts(e.modelReadyAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "healthy", Sql.ts(e.containerHealthyAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "first", Sql.ts(e.firstRequestAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "completed", Sql.ts(e.completedAt()), OffsetDateTime.class);
        spec = Sql.bind(spec, "imageTier", e.imageTier(), String.class);
        spec = Sql.bind(spec, "modelTier", e.modelTier(), String.class);
        return spec.bind("status", e.status().name()).bind("copies", e.copiesJson() == null ? "[]" : e.copiesJson())
                .bind("id", e.id()).fetch().rowsUpdated().map(n -> n == 1);
    }

    /** The copies placed for the given events that still exist, with their instances. */
    public Flux<EventCopy> findEventCopies(List<String> eventIds) {
        if (eventIds.isEmpty()) return Flux.empty();
        return db.sql("select c.id, c.scaling_event_id, c.instance_id, c.status, c.created_at, c.ready_at, "
                        + "c.first_served_at, c.startup::text as startup, i.launched_at, i.registered_at, "
                        + "i.scaling_event_id as instance_event_id from copies c join instances i on i.id = c.instance_id "
                        + "where c.scaling_event_id = any(:ids) order by c.id")
                .bind("ids", eventIds.toArray(String[]::new))
                .map((row, m) -> new EventCopy(row.get("id", String.class), row.get("scaling_event_id", String.class),
                        row.get("instance_id", String.class), row.get("status", String.class),
                        Sql.instant(row, "created_at"), Sql.instant(row, "ready_at"), Sql.instant(row, "first_served_at"),
                        row.get("startup", String.class), Sql.instant(row, "launched_at"),
                        Sql.instant(row, "registered_at"), row.get("instance_event_id", String.class)))
                .all();
    }

    private static ScalingEvent map(Row row) {
        return new ScalingEvent(row.get("id", String.class), row.get("endpoint_name", String.class),
                row.get("component_name", String.class), row.get("variant_name", String.class),
                ScalingEvent.Kind.valueOf(row.get("kind", String.class)),
                ScalingEvent.Status.valueOf(row.get("status", String.class)), row.get("from_copies", Integer.class),
                row.get("to_copies", Integer.class), row.get("policy_name", String.class), row.get("burst", Boolean.class),
                row.get("reason", String.class), Sql.instant(row, "threshold_crossed_at"), Sql.instant(row, "decided_at"),
                Sql.instant(row, "instance_requested_at"), Sql.instant(row, "instance_ready_at"),
                Sql.instant(row, "image_ready_at"), Sql.instant(row, "model_ready_at"),
                Sql.instant(row, "container_healthy_at"), Sql.instant(row, "first_request_at"),
                Sql.instant(row, "completed_at"), row.get("image_tier", String.class), row.get("model_tier", String.class),
                row.get("copies", String.class));
    }
}
