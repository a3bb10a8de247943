package dev.kindling.db.store;

import dev.kindling.db.model.EndpointCache;
import dev.kindling.db.model.EndpointCacheStatus;
import io.r2dbc.spi.Row;
import java.time.Instant;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Endpoint cache records, one per endpoint, deleted with it. Every write after the first names the generation it
 * moves on from, so a build that finished after the record moved on (a newer build started, another replica leads
 * now) changes nothing, and its volume can be deleted.
 */
public final class EndpointCacheStore {

    private static final String SELECT = "select endpoint_name, generation, status, plan::text as plan, location, "
            + "content::text as content, image_bytes, model_bytes, ready_generation, ready_location, peer_token, "
            + "failure_reason, build_reason, faults, requested_at, build_started_at, built_at, version from endpoint_caches";

    private final DatabaseClient db;

    public EndpointCacheStore(DatabaseClient db) {
        this.db = db;
    }

    public Mono<EndpointCache> find(String endpointName) {
        return db.sql(SELECT + " where endpoint_name = :endpoint").bind("endpoint", endpointName)
                .map((row, m) -> map(row)).one();
    }

    public Flux<EndpointCache> findAll() {
        return db.sql(SELECT + " order by endpoint_name").map((row, m) -> map(row)).all();
    }

    /**
     * Creates the endpoint's record: generation 1 Building (a first build), or generation 0 Ready with an empty plan
     * (nothing to build yet). False if the endpoint has one already, or no longer exists.
     */
    public Mono<Boolean> create(String endpointName, long generation, EndpointCacheStatus status, EndpointCache.Plan plan,
                                String buildReason, String peerToken, Instant now) {
        return db.sql("insert into endpoint_caches (endpoint_name, generation, status, plan, peer_token, build_reason, "
                        + "requested_at) select :endpoint, :generation, :status, cast(:plan as jsonb), :token, :reason, :now "
                        + "where exists (select 1 from endpoints where name = :endpoint) on conflict (endpoint_name) do nothing")
                .bind("endpoint", endpointName).bind("generation", generation).bind("status", status.name())
                .bind("plan", Sql.toJson(plan)).bind("token", peerToken).bind("reason", buildReason)
                .bind("now", Sql.ts(now))
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /**
     * Starts generation {@code generation} (Building, with its plan and why) if the newest is still
     * {@code previousGeneration}. The ready generation, its content, sizes and build time stay: agents keep reading it.
     */
    public Mono<Boolean> requestBuild(String endpointName, long previousGeneration, long generation,
                                      EndpointCache.Plan plan, String buildReason, Instant now) {
        return db.sql("update endpoint_caches set generation = :generation, status = 'Building', plan = cast(:plan as jsonb), "
                        + "location = null, failure_reason = null, build_reason = :reason, requested_at = :now, "
                        + "build_started_at = null, version = version + 1 "
                        + "where endpoint_name = :endpoint and generation = :previous")
                .bind("generation", generation).bind("plan", Sql.toJson(plan)).bind("reason", buildReason)
                .bind("now", Sql.ts(now)).bind("endpoint", endpointName).bind("previous", previousGeneration)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Records that the build of {@code generation} began; false if the record moved on. */
    public Mono<Boolean> markStarted(String endpointName, long generation, Instant now) {
        return db.sql("update endpoint_caches set build_started_at = :now, version = version + 1 "
                        + "where endpoint_name = :endpoint and generation = :generation and status = 'Building'")
                .bind("now", Sql.ts(now)).bind("endpoint", endpointName).bind("generation", generation)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /**
     * Makes {@code generation} the one agents read: ready, at {@code location}, holding {@code contentJson}; the faults
     * of the generation it replaces are forgotten. False if the record moved on (the caller deletes the volume).
     */
    public Mono<Boolean> markReady(String endpointName, long generation, String location, String contentJson,
                                   long imageBytes, long modelBytes, Instant now) {
        return db.sql("update endpoint_caches set status = 'Ready', location = :location, content = cast(:content as jsonb), "
                        + "image_bytes = :image, model_bytes = :model, ready_generation = generation, "
                        + "ready_location = :location, faults = 0, failure_reason = null, built_at = :now, "
                        + "version = version + 1 where endpoint_name = :endpoint and generation = :generation "
                        + "and status = 'Building'")
                .bind("location", location).bind("content", contentJson).bind("image", imageBytes)
                .bind("model", modelBytes).bind("now", Sql.ts(now)).bind("endpoint", endpointName)
                .bind("generation", generation)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Records why the build of {@code generation} failed; agents keep reading the ready generation, if any. */
    public Mono<Boolean> markFailed(String endpointName, long generation, String reason) {
        return db.sql("update endpoint_caches set status = 'Failed', failure_reason = :reason, "
                        + "version = version + 1 where endpoint_name = :endpoint and generation = :generation "
                        + "and status = 'Building'")
                .bind("reason", reason).bind("endpoint", endpointName)
                .bind("generation", generation)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /**
     * Counts {@code count} faults agents found in {@code readyGeneration}; only the generation agents read now takes
     * them (a fault in a replaced one is already dealt with). False if that is not the ready generation.
     */
    public Mono<Boolean> recordFaults(String endpointName, long readyGeneration, long count) {
        return db.sql("update endpoint_caches set faults = faults + :count, version = version + 1 "
                        + "where endpoint_name = :endpoint and ready_generation = :generation")
                .bind("count", count).bind("endpoint", endpointName).bind("generation", readyGeneration)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    /** Deletes the record (deleting the endpoint deletes it too). */
    public Mono<Boolean> delete(String endpointName) {
        return db.sql("delete from endpoint_caches where endpoint_name = :endpoint").bind("endpoint", endpointName)
                .fetch().rowsUpdated().map(n -> n == 1);
    }

    private static EndpointCache map(Row row) {
        return new EndpointCache(row.get("endpoint_name", String.class), row.get("generation", Long.class),
                EndpointCacheStatus.valueOf(row.get("status", String.class)),
                Sql.fromJson(row.get("plan", String.class), EndpointCache.Plan.class), row.get("location", String.class),
                row.get("content", String.class), row.get("image_bytes", Long.class), row.get("model_bytes", Long.class),
                row.get("ready_generation", Long.class), row.get("ready_location", String.class),
                row.get("peer_token", String.class), row.get("failure_reason", String.class),
                row.get("build_reason", String.class), row.get("faults", Long.class), Sql.instant(row, "requested_at"),
                Sql.instant(row, "build_started_at"), Sql.instant(row, "built_at"), row.get("version", Long.class));
    }
}
