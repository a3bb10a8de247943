package dev.kindling.api.config;

import dev.kindling.agent.DataPathSettings;
import dev.kindling.agent.cache.volume.CacheVolumeBuilder;
import dev.kindling.api.caches.CacheGrants;
import dev.kindling.api.caches.CacheSwitches;
import dev.kindling.api.caches.CacheVolumes;
import dev.kindling.api.caches.EndpointCacheGrants;
import dev.kindling.api.caches.EndpointCacheManager;
import dev.kindling.api.caches.LocalCacheVolumes;
import dev.kindling.api.fleet.LocalFleet;
import dev.kindling.api.leader.Leadership;
import dev.kindling.api.metrics.EndpointCacheMetrics;
import dev.kindling.cache.endpoint.BuildSettings;
import dev.kindling.db.store.EndpointCacheStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/** Endpoint caches: their records, the local fleet's volumes, the grants agents get, and the leader's cache manager. */
@Configuration(proxyBeanMethods = false)
public class CacheConfiguration {

    @Bean
    EndpointCacheStore endpointCacheStore(DatabaseClient db) {
        return new EndpointCacheStore(db);
    }

    @Bean
    EndpointCacheMetrics endpointCacheMetrics(MeterRegistry registry) {
        return new EndpointCacheMetrics(registry);
    }

    /**
     * The local fleet's volumes, built with the registries and S3 its instances use, in {@code kindling.cache.directory}
     * (default: beside the fleet's data directory).
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "kindling.fleet.provider", havingValue = "local", matchIfMissing = true)
    LocalCacheVolumes localCacheVolumes(CacheProperties cache, KindlingProperties properties, LocalFleet fleet) {
        Path directory = cache.directoryBeside(properties.fleet().local().dataDirectory());
        return new LocalCacheVolumes(directory, () -> {
            DataPathSettings d = fleet.dataPathSettings(directory);
            return new CacheVolumeBuilder.Settings(d.fetch(), d.registries(), d.s3());
        });
    }

    @Bean
    CacheGrants cacheGrants(EndpointCacheStore caches, InstanceStore instances, CacheVolumes volumes, CacheProperties cache,
                            EndpointCacheMetrics metrics, ObjectProvider<EndpointCacheManager> manager) {
        return new EndpointCacheGrants(caches, instances, volumes, CacheSwitches.of(cache), metrics,
                () -> manager.ifAvailable(EndpointCacheManager::wake));
    }

    @Bean
    EndpointCacheManager endpointCacheManager(EndpointStore endpoints, InferenceComponentStore components,
                                              EndpointCacheStore caches, CacheVolumes volumes, CacheProperties cache,
                                              Leadership leadership, Clock clock, EndpointCacheMetrics metrics) {
        EndpointCacheManager.Settings settings = new EndpointCacheManager.Settings(
                Duration.ofMillis(cache.intervalMillis()), cache.maxConcurrentBuilds(),
                Duration.ofSeconds(cache.oldGenerationGraceSeconds()),
                new BuildSettings(Duration.ofSeconds(cache.buildRetrySeconds()), Duration.ofSeconds(cache.buildRetryMaxSeconds())));
        return new EndpointCacheManager(endpoints, components, caches, volumes, CacheSwitches.of(cache), settings, leadership,
                clock, metrics);
    }
}
