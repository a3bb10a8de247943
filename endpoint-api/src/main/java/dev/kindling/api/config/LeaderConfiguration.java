package dev.kindling.api.config;

import dev.kindling.api.leader.LeaderElection;
import dev.kindling.api.leader.Leadership;
import dev.kindling.api.leader.SoleReplica;
import dev.kindling.db.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which replica leads (through a PostgreSQL advisory lock unless {@code kindling.leader.enabled=false}), and how
 * an operator sees it: the {@code leader} health indicator and the {@code kindling_leader} gauge.
 */
@Configuration(proxyBeanMethods = false)
public class LeaderConfiguration {

    @Bean
    @ConditionalOnProperty(name = "kindling.leader.enabled", havingValue = "true", matchIfMissing = true)
    LeaderElection leaderElection(LeaderProperties properties, Database database, Clock clock) {
        return new LeaderElection(database::openDedicatedConnection, properties.replicaId(),
                Duration.ofMillis(properties.pollIntervalMillis()), clock);
    }

    @Bean
    @ConditionalOnProperty(name = "kindling.leader.enabled", havingValue = "false")
    SoleReplica soleReplica(LeaderProperties properties, Clock clock) {
        return new SoleReplica(properties.replicaId(), clock.instant());
    }

    /** Up on leader and followers alike; the details say which this replica is, and since when. */
    @Bean
    HealthIndicator leaderHealthIndicator(Leadership leadership) {
        return () -> Health.up()
                .withDetail("role", leadership.isLeader() ? "leader" : "follower")
                .withDetail("replicaId", leadership.replicaId())
                .withDetail("since", leadership.since().toString())
                .build();
    }

    /** 1 on the replica that leads, 0 on the others. */
    @Bean
    MeterBinder leaderGauge(Leadership leadership) {
        return registry -> Gauge.builder("kindling.leader", leadership, l -> l.isLeader() ? 1 : 0)
                .description("1 while this control-plane replica leads (runs the reconciler and scaler), else 0")
                .tag("replica", leadership.replicaId())
                .register(registry);
    }
}
