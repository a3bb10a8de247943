package dev.kindling.db.store;

import dev.kindling.db.model.ComponentRoute;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.CopyRoute;
import dev.kindling.db.model.RoutingSnapshot;
import dev.kindling.db.model.RoutingStrategy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The invocation router's one read: live endpoints with their components (and each component's routing strategy
 * from its variant in the endpoint's config), and the copies in service. Every control-plane replica runs it a
 * few times a second, so it is two small queries and nothing else.
 */
public final class RouteStore {

    /** One row per endpoint and component; an endpoint without components gives one row with a null component. */
    private static final String COMPONENTS = """
            select e.name as endpoint_name, c.name as component_name, c.variant_name, c.status, c.failure_reason,
                   (select v ->> 'routingStrategy' from jsonb_array_elements(ec.production_variants) v
                     where v ->> 'variantName' = c.variant_name limit 1) as routing_strategy
              from endpoints e
              join endpoint_configs ec on ec.name = e.config_name
              left join inference_components c on c.endpoint_name = e.name
             where e.status <> 'Deleting'
             order by e.name, c.name""";

    private static final String COPIES = "select id, component_name, model_server_url from copies "
            + "where status = 'InService' and model_server_url is not null order by component_name, id";

    private final DatabaseClient db;

    public RouteStore(DatabaseClient db) {
        this.db = db;
    }

    /** The routes as stored now; a copy whose component is not in the list (deleted in between) is to be ignored. */
    public Mono<RoutingSnapshot> read() {
        Mono<List<Joined>> components = db.sql(COMPONENTS).map((row, m) -> new Joined(row.get("endpoint_name", String.class),
                row.get("component_name", String.class) == null ? null : new ComponentRoute(
                        row.get("endpoint_name", String.class), row.get("component_name", String.class),
                        row.get("variant_name", String.class), ComponentStatus.valueOf(row.get("status", String.class)),
                        row.get("failure_reason", String.class), strategy(row.get("routing_strategy", String.class)))))
                .all().collectList();
        Mono<List<CopyRoute>> copies = db.sql(COPIES).map((row, m) -> new CopyRoute(row.get("id", String.class),
                row.get("component_name", String.class), row.get("model_server_url", String.class))).all().collectList();
        return components.zipWith(copies, (rows, cs) -> {
            Set<String> endpoints = new LinkedHashSet<>();
            List<ComponentRoute> routes = new ArrayList<>();
            for (Joined j : rows) {
                endpoints.add(j.endpointName());
                if (j.component() != null) routes.add(j.component());
            }
            return new RoutingSnapshot(List.copyOf(endpoints), routes, cs);
        });
    }

    /** One row of the endpoint-component join. */
    private record Joined(String endpointName, ComponentRoute component) {}

    private static RoutingStrategy strategy(String stored) {
        return stored == null ? RoutingStrategy.LEAST_OUTSTANDING_REQUESTS : RoutingStrategy.valueOf(stored);
    }
}
