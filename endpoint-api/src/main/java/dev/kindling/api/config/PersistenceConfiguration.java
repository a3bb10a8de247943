package dev.kindling.api.config;

import dev.kindling.db.Database;
import dev.kindling.db.DatabaseSettings;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import dev.kindling.db.store.RouterLoadStore;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingStore;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/** PostgreSQL (embedded unless {@code kindling.database.url} is set), migrated at start, and the stores over it. */
@Configuration(proxyBeanMethods = false)
public class PersistenceConfiguration {

    @Bean(destroyMethod = "close")
    Database database(KindlingProperties properties) {
        KindlingProperties.Database d = properties.database();
        return Database.start(new DatabaseSettings(d.url(), d.username(), d.password(), d.embeddedDataDirectory(),
                d.poolMaxSize()));
    }

    @Bean
    ConnectionFactory connectionFactory(Database database) {
        return database.connectionFactory();
    }

    @Bean
    DatabaseClient databaseClient(ConnectionFactory connectionFactory) {
        return DatabaseClient.create(connectionFactory);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    EndpointConfigStore endpointConfigStore(DatabaseClient db) {
        return new EndpointConfigStore(db);
    }

    @Bean
    EndpointStore endpointStore(DatabaseClient db) {
        return new EndpointStore(db);
    }

    @Bean
    InferenceComponentStore inferenceComponentStore(DatabaseClient db) {
        return new InferenceComponentStore(db);
    }

    @Bean
    InstanceStore instanceStore(DatabaseClient db) {
        return new InstanceStore(db);
    }

    @Bean
    CopyStore copyStore(DatabaseClient db) {
        return new CopyStore(db);
    }

    @Bean
    ScalingStore scalingStore(DatabaseClient db) {
        return new ScalingStore(db);
    }

    @Bean
    ScalingEventStore scalingEventStore(DatabaseClient db) {
        return new ScalingEventStore(db);
    }

    @Bean
    RouterLoadStore routerLoadStore(DatabaseClient db) {
        return new RouterLoadStore(db);
    }
}
