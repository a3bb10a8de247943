package dev.kindling.api.config;

import dev.kindling.api.router.CapacityDemand;
import dev.kindling.api.router.CopyServedListener;
import dev.kindling.api.router.InvocationRouter;
import dev.kindling.api.router.LoopClients;
import dev.kindling.api.router.RouterSettings;
import dev.kindling.api.router.RoutingTable;
import dev.kindling.db.store.RouteStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.scheduler.Schedulers;

/**
 * The invocation router: its routing table (read from PostgreSQL on every replica), the pooled HTTP clients to the
 * copies' model servers (one per event loop of the web server), and the router. The scaler's {@link CapacityDemand} and {@link CopyServedListener} beans
 * are used when defined, and looked up only when needed; without them nothing is told.
 */
@Configuration(proxyBeanMethods = false)
public class RouterConfiguration {

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

    /**
     * The router's clients to copies, one per event loop of the web server, each with its own keep-alive pool per
     * copy (Reactor Netty pools by remote address), so a request is forwarded on the thread that read it.
     */
    @Bean(destroyMethod = "dispose")
    LoopClients routerClients(RouterProperties properties, ObjectProvider<ReactorResourceFactory> serverResources) {
        ReactorResourceFactory resources = serverResources.getIfAvailable();
        int loops = resources == null ? 1 : LoopClients.count(resources.getLoopResources().onServer(true));
        return LoopClients.perLoop(properties.settings(), loops);
    }

    @Bean
    InvocationRouter invocationRouter(RoutingTable table, LoopClients routerClients, RouterProperties properties,
                                      Clock clock, ObjectProvider<CopyServedListener> served) {
        RouterSettings s = properties.settings();
        // Reactor Netty's client itself, not a WebClient: no per-request observation or wrappers on the hot path.
        return new InvocationRouter(table, routerClients, s, clock, System::nanoTime,
                () -> served.getIfAvailable(() -> CopyServedListener.NONE));
    }
}
