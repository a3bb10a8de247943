package dev.kindling.api.config;

import dev.kindling.api.router.CapacityDemand;
import dev.kindling.api.router.CopyServedListener;
import dev.kindling.api.router.InvocationRouter;
import dev.kindling.api.router.RouterSettings;
import dev.kindling.api.router.RoutingTable;
import dev.kindling.db.store.RouteStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The invocation router: its routing table (read from PostgreSQL on every replica), the pooled HTTP client to the
 * copies' model servers, and the router. The scaler's {@link CapacityDemand} and {@link CopyServedListener} beans
 * are used when defined, and looked up only when needed; without them nothing is told.
 */
@Configuration(proxyBeanMethods = false)
public class RouterConfiguration {

    /** Keep-alive connections idle this long are closed, before a model server's own idle timeout (JDK's: 30 s). */
    private static final Duration MAX_IDLE = Duration.ofSeconds(20);

    @Bean
    RouteStore routeStore(DatabaseClient db) {
        return new RouteStore(db);
    }

    @Bean
    RoutingTable routingTable(RouteStore routes, RouterProperties properties, MeterRegistry registry,
                              ObjectProvider<CapacityDemand> demand) {
        return new RoutingTable(routes::read, properties.settings(), registry, Schedulers.parallel(), System::nanoTime,
                () -> demand.getIfAvailable(() -> CapacityDemand.NONE));
    }

    /** One pool per copy (Reactor Netty pools by remote address), kept alive across invocations. */
    @Bean(destroyMethod = "dispose")
    ConnectionProvider routerConnections(RouterProperties properties) {
        RouterSettings s = properties.settings();
        return ConnectionProvider.builder("kindling-router")
                .maxConnections(s.maxConnectionsPerCopy())
                .pendingAcquireMaxCount(s.maxPendingConnectionsPerCopy())
                .pendingAcquireTimeout(s.invocationTimeout())
                .maxIdleTime(MAX_IDLE)
                .evictInBackground(MAX_IDLE)
                .build();
    }

    @Bean
    InvocationRouter invocationRouter(RoutingTable table, ConnectionProvider routerConnections,
                                      RouterProperties properties, Clock clock, ObjectProvider<CopyServedListener> served,
                                      ObjectProvider<ReactorResourceFactory> serverResources) {
        RouterSettings s = properties.settings();
        HttpClient http = HttpClient.create(routerConnections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) s.connectTimeout().toMillis());
        // On the web server's event loops, each connection to a copy lives on the loop of the request that opened it
        // (Reactor Netty colocates), so a proxied request and its answer rarely hop threads.
        ReactorResourceFactory resources = serverResources.getIfAvailable();
        if (resources != null) http = http.runOn(resources.getLoopResources());
        // Reactor Netty's client itself, not a WebClient: no per-request observation or wrappers on the hot path.
        return new InvocationRouter(table, http, s, clock, System::nanoTime,
                () -> served.getIfAvailable(() -> CopyServedListener.NONE));
    }
}
