package dev.kindling.api.config;

import dev.kindling.api.leader.Leadership;
import dev.kindling.api.metrics.ScalingMetrics;
import dev.kindling.api.reconcile.ReconcileTrigger;
import dev.kindling.api.router.CopyServedListener;
import dev.kindling.api.router.RoutingTable;
import dev.kindling.api.scaling.ScalerLoop;
import dev.kindling.api.service.FleetService;
import dev.kindling.api.service.ScalingService;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.RouterLoadStore;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingStore;
import dev.kindling.scaler.metrics.WindowSettings;
import dev.kindling.scaler.scaling.ScalerSettings;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The scaler loop (only the leader decides), and what the router tells the scaler and the scale-out events. */
@Configuration(proxyBeanMethods = false)
public class ScalerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ScalerConfiguration.class);

    /** The scaler; off with kindling.scaler.enabled=false (copy counts then change only through the API). */
    @Bean
    @ConditionalOnProperty(name = "kindling.scaler.enabled", havingValue = "true", matchIfMissing = true)
    ScalerLoop scalerLoop(RoutingTable router, RouterLoadStore loadStore, InferenceComponentStore components,
                          CopyStore copies, ScalingStore scaling, ScalingEventStore events, ScalingService policies,
                          ScalingMetrics metrics, ReconcileTrigger reconciler, Leadership leadership, Clock clock,
                          KindlingProperties properties) {
        KindlingProperties.Scaler s = properties.scaler();
        WindowSettings windows = new WindowSettings(Duration.ofSeconds(s.stableWindowSeconds()),
                Duration.ofSeconds(s.burstWindowSeconds()), Duration.ofSeconds(s.highResolutionPeriodSeconds()));
        ScalerSettings settings = new ScalerSettings(s.burstThreshold(), Duration.ofSeconds(s.scaleToZeroGraceSeconds()),
                s.maxScaleInFraction(), s.scaleInTolerance(), windows);
        return new ScalerLoop(router, loadStore, components, copies, scaling, events, policies::toPolicy, metrics,
                reconciler, leadership::isLeader, clock, new ScalerLoop.Settings(settings,
                Duration.ofMillis(s.routerLoadMaxAgeMillis()), leadership.replicaId()));
    }

    /** Stores when each copy first answered through this replica's router: a scale-out's last phase. */
    @Bean
    CopyServedListener copyServedListener(CopyStore copies) {
        return (copyId, at) -> copies.markFirstServed(copyId, at).subscribe(null,
                e -> log.atWarn().addKeyValue("copy", copyId).log("Could not record a copy's first request: {}", e.toString()));
    }

    /** Routers learn of a copy that starts or stops serving at once, not at their next refresh. */
    @Bean
    SmartInitializingSingleton routerRefreshOnCopyChange(FleetService fleet, RoutingTable router) {
        return () -> fleet.onServingChanged(() -> router.refresh().subscribe(null,
                e -> log.debug("Routing table refresh failed; the periodic one retries: {}", e.toString())));
    }
}
