package dev.kindling.api.config;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import dev.kindling.api.leader.Leadership;
import dev.kindling.api.reconcile.ReconcileLoop;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/** Health checks and the OpenAPI document's description. */
@Configuration(proxyBeanMethods = false)
public class OperationsConfiguration {

    /** The database answers a query within two seconds. */
    @Bean
    ReactiveHealthIndicator databaseHealthIndicator(DatabaseClient db) {
        return () -> db.sql("select 1").fetch().one()
                .map(row -> Health.up().withDetail("database", "PostgreSQL").build())
                .timeout(Duration.ofSeconds(2))
                .onErrorResume(e -> reactor.core.publisher.Mono.just(Health.down(e).build()));
    }

    /**
     * The reconcile loop completed a pass recently (within 20 intervals, or 10 s at least) if this replica leads; a
     * follower's loop runs no passes and is up.
     */
    @Bean
    HealthIndicator reconcilerHealthIndicator(ObjectProvider<ReconcileLoop> loops, Leadership leadership) {
        return () -> {
            ReconcileLoop loop = loops.getIfAvailable();
            if (loop == null) return Health.up().withDetail("loop", "disabled (kindling.reconciler.enabled=false)").build();
            if (!leadership.isLeader()) return Health.up().withDetail("loop", "waiting: passes run on the leader").build();
            Instant last = loop.lastPass();
            Duration allowed = Duration.ofMillis(Math.max(10_000, 20 * loop.intervalMillis()));
            Instant now = Instant.now();
            boolean fresh = last != null && last.plus(allowed).isAfter(now);
            // A replica that just became leader is judged by its passes since then, not by its last term's.
            boolean firstPassAsLeader = (last == null || last.isBefore(leadership.since()))
                    && leadership.since().plus(allowed).isAfter(now);
            Health.Builder b = fresh || firstPassAsLeader || (last == null && loop.lastError() == null)
                    ? Health.up() : Health.down();
            b.withDetail("lastPass", last == null ? "none yet" : last.toString());
            if (loop.lastError() != null) b.withDetail("lastError", loop.lastError());
            return b.build();
        };
    }

    @Bean
    OpenAPI kindlingOpenApi() {
        return new OpenAPI().info(new Info().title("Kindling control plane API").version("v1")
                .description("Endpoint configs, endpoints, inference components, scaling targets and policies, "
                        + "instances. Errors are RFC 9457 problem documents; updates take If-Match with an ETag."));
    }
}
