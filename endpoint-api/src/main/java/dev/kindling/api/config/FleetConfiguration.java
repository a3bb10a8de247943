package dev.kindling.api.config;

import dev.kindling.agent.DataPathSettings;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.s3.S3FetchSettings;
import dev.kindling.api.caches.CacheGrants;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.leader.Leadership;
import dev.kindling.api.metrics.CopyStartMetrics;
import dev.kindling.api.s3.EmbeddedS3;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.fleet.LocalFleet;
import dev.kindling.api.reconcile.AgentClient;
import dev.kindling.api.reconcile.FleetMetrics;
import dev.kindling.api.reconcile.ReconcileLoop;
import dev.kindling.api.reconcile.ReconcileSettings;
import dev.kindling.api.reconcile.ReconcileTrigger;
import dev.kindling.api.reconcile.Reconciler;
import dev.kindling.api.metrics.ScalingMetrics;
import dev.kindling.api.scaling.ScaleOutFollower;
import dev.kindling.api.service.ScalingService;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingStore;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

/** The fleet (local emulated instances, unless kindling.fleet.provider=ec2), the reconciler and its loop. */
@Configuration(proxyBeanMethods = false)
public class FleetConfiguration {

    @Bean
    InstanceTypeCatalog instanceTypeCatalog(KindlingProperties properties) {
        KindlingProperties.Local local = properties.fleet().local();
        return new InstanceTypeCatalog(local.launchDelaySeconds(), local.networkGbps(), local.diskWriteMibps());
    }

    /** The embedded S3-compatible store agents download models from; off with kindling.s3.embedded.enabled=false. */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "kindling.s3.embedded.enabled", havingValue = "true", matchIfMissing = true)
    EmbeddedS3 embeddedS3(KindlingProperties properties) {
        KindlingProperties.S3.Embedded e = properties.s3().embedded();
        return EmbeddedS3.start(e.bindHost(), e.port(), e.dataDirectory());
    }

    /** The local fleet, unless another provider is configured ({@link Ec2FleetConfiguration}). */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "kindling.fleet.provider", havingValue = "local", matchIfMissing = true)
    LocalFleet localFleet(KindlingProperties properties, RegistryProperties registry, Environment environment,
                          ObjectProvider<EmbeddedS3> embeddedS3) {
        KindlingProperties.Local local = properties.fleet().local();
        String configured = properties.api().controlPlaneUrl();
        Supplier<String> ownHost = () -> "127.0.0.1:" + environment.getRequiredProperty("local.server.port");
        LocalFleet.Settings settings = new LocalFleet.Settings(local.timeScale(),
                Duration.ofMillis(local.heartbeatIntervalMillis()), local.maxInstances(), local.bindHost(),
                local.dataDirectory(), local.diskBudgetMb() << 20);
        // The embedded registry (on this server's port) answers for images named without a registry and for ECR
        // images, so a component written for production runs on the embedded default unchanged.
        boolean embeddedRegistry = registry.embedded().enabled();
        EmbeddedS3 s3 = embeddedS3.getIfAvailable();
        FetchSettings registryFetch = new FetchSettings(local.registryChunkMib() * (1L << 20),
                local.fetchParallelism() > 0 ? local.fetchParallelism() : FetchSettings.DEFAULTS.parallelism(),
                FetchSettings.DEFAULTS.chunkAttempts(), FetchSettings.DEFAULTS.chunkTimeout());
        S3FetchSettings s3Fetch = S3FetchSettings.DEFAULTS.withChunkBytes(local.s3ChunkMib() * (1L << 20));
        if (local.fetchParallelism() > 0) s3Fetch = s3Fetch.withParallelism(local.fetchParallelism());
        DataPathSettings.S3Access s3Access = new DataPathSettings.S3Access(
                s3 != null ? s3.endpoint() : properties.s3().endpoint().isBlank() ? null : URI.create(properties.s3().endpoint()),
                properties.s3().region(), s3 != null ? AnonymousCredentialsProvider.create() : null, s3Fetch);
        return new LocalFleet(settings, () -> URI.create(configured.isBlank() ? "http://" + ownHost.get() : configured),
                (disk, throughput) -> new DataPathSettings(disk, settings.diskBudgetBytes(), registryFetch,
                        embeddedRegistry ? new Registries.Settings(ownHost.get(), ownHost.get(), null, null)
                                : Registries.Settings.direct(),
                        s3Access, null, null, throughput));
    }

    /**
     * Stops the emulated instances when the control plane stops, after the reconcile loop and before the web
     * server, so their agents never heartbeat into a closed port.
     */
    @Bean
    @ConditionalOnProperty(name = "kindling.fleet.provider", havingValue = "local", matchIfMissing = true)
    SmartLifecycle localFleetLifecycle(LocalFleet fleet) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                running = false;
                fleet.close();
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return Integer.MAX_VALUE - 200;
            }
        };
    }

    @Bean
    AgentClient agentClient() {
        return new AgentClient(WebClient.builder(), Duration.ofSeconds(1));
    }

    @Bean
    FleetMetrics fleetMetrics(MeterRegistry registry) {
        return new FleetMetrics(registry);
    }

    @Bean
    CopyStartMetrics copyStartMetrics(MeterRegistry registry) {
        return new CopyStartMetrics(registry);
    }

    @Bean
    ScalingMetrics scalingMetrics(MeterRegistry registry) {
        return new ScalingMetrics(registry);
    }

    @Bean
    ScaleOutFollower scaleOutFollower(ScalingEventStore events, ScalingStore scaling, ScalingService policies,
                                      ScalingMetrics metrics, KindlingProperties properties) {
        return new ScaleOutFollower(events, scaling, policies::toPolicy, metrics,
                Duration.ofSeconds(properties.scaler().scaleOutGiveUpSeconds()));
    }

    @Bean
    Reconciler reconciler(EndpointStore endpoints, EndpointConfigStore configs, InferenceComponentStore components,
                          InstanceStore instances, CopyStore copies, FleetProvider fleet, AgentClient agents,
                          InstanceTypeCatalog catalog, KindlingProperties properties, Clock clock, FleetMetrics metrics,
                          ScaleOutFollower scaleOuts, CacheGrants caches) {
        KindlingProperties.Reconciler r = properties.reconciler();
        ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(r.heartbeatTimeoutMillis()),
                Duration.ofMillis(r.launchTimeoutMillis()), Duration.ofMillis(r.capacityWaitMillis()),
                Duration.ofMillis(r.failedCopyRetryDelayMillis()),
                Duration.ofSeconds(properties.scaler().defaultInstanceScaleInCooldownSeconds()));
        return new Reconciler(endpoints, configs, components, instances, copies, fleet, agents, catalog, settings, clock,
                metrics, scaleOuts, caches);
    }

    /** The loop that runs the reconciler; off with kindling.reconciler.enabled=false (tests drive it by hand). */
    @Bean
    @ConditionalOnProperty(name = "kindling.reconciler.enabled", havingValue = "true", matchIfMissing = true)
    ReconcileLoop reconcileLoop(Reconciler reconciler, KindlingProperties properties, Leadership leadership) {
        return new ReconcileLoop(reconciler, properties.reconciler().intervalMillis(), leadership);
    }

    @Bean
    @ConditionalOnProperty(name = "kindling.reconciler.enabled", havingValue = "false")
    ReconcileTrigger manualReconcileTrigger() {
        return () -> { };
    }
}
