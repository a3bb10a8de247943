package dev.kindling.db.store;

import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.r2dbc.core.Parameter;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Small helpers shared by the stores: nullable binds, timestamps, JSON columns and keyset listings. */
final class Sql {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private Sql() {}

    static GenericExecuteSpec bind(GenericExecuteSpec spec, String name, Object value, Class<?> type) {
        return spec.bind(name, Parameter.fromOrEmpty(value, type));
    }

    static Instant instant(Row row, String column) {
        OffsetDateTime t = row.get(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime ts(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, java.time.ZoneOffset.UTC);
    }

    static String toJson(Object value) {
        return JSON.writeValueAsString(value);
    }

    static <T> T fromJson(String json, Class<T> type) {
        return JSON.readValue(json, type);
    }

    /**
     * Runs a keyset-paginated listing of {@code table}, ordered by its {@code key} column, fetching one row more than a
     * page to know whether another page follows.
     */
    static <T> Mono<Page<T>> list(DatabaseClient db, String select, String table, String key, String parentColumn, ListQuery q,
                                  Function<Row, T> mapper, Function<T, String> nameOf) {
        List<String> where = new ArrayList<>();
        if (q.nameContains() != null) where.add("strpos(lower(" + table + "." + key + "), lower(:nameContains)) > 0");
        if (q.statusEquals() != null) where.add(table + ".status = :status");
        if (q.parentEquals() != null) where.add(table + "." + parentColumn + " = :parent");
        if (q.afterName() != null) where.add(table + "." + key + " > :after");
        String sql = select + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by " + table + "." + key + " limit :limit";
        GenericExecuteSpec spec = db.sql(sql).bind("limit", q.maxResults() + 1);
        if (q.nameContains() != null) spec = spec.bind("nameContains", q.nameContains());
        if (q.statusEquals() != null) spec = spec.bind("status", q.statusEquals());
        if (q.parentEquals() != null) spec = spec.bind("parent", q.parentEquals());
        if (q.afterName() != null) spec = spec.bind("after", q.afterName());
        return spec.map((row, meta) -> mapper.apply(row)).all().collectList().map(rows -> {
            if (rows.size() <= q.maxResults()) {
                return new Page<>(rows, null);
            }
            List<T> page = rows.subList(0, q.maxResults());
            return new Page<>(page, ListQuery.encodeToken(nameOf.apply(page.getLast())));
        });
    }
}
