package dev.kindling.api.reconcile;

import dev.kindling.agent.protocol.AgentPaths;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Calls to instance agents. The only call is a nudge ("heartbeat now, your copies changed"): best effort, since
 * the agent's next heartbeat carries the same news. Each call has a timeout, one retry, and a circuit breaker
 * per agent so a dead instance costs nothing until the reconciler replaces it.
 */
public final class AgentClient {

    private static final Logger log = LoggerFactory.getLogger(AgentClient.class);

    private final WebClient http;
    private final CircuitBreakerRegistry breakers;
    private final Duration timeout;

    public AgentClient(WebClient.Builder builder, Duration timeout) {
        this.http = builder.build();
        this.timeout = timeout;
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowSize(5).minimumNumberOfCalls(3).failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(10)).build());
    }

    /** Asks the agent to heartbeat now. Never fails: a failure is logged and left to the next heartbeat. */
    public Mono<Void> sync(String instanceId, String agentUrl) {
        if (agentUrl == null) return Mono.empty();
        CircuitBreaker breaker = breakers.circuitBreaker(instanceId);
        return http.post().uri(agentUrl + AgentPaths.SYNC).retrieve().toBodilessEntity()
                .timeout(timeout)
                .retryWhen(Retry.fixedDelay(1, Duration.ofMillis(50)))
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                .then()
                .onErrorResume(e -> {
                    log.atDebug().addKeyValue("instance", instanceId).log("Agent nudge failed: {}", e.toString());
                    return Mono.empty();
                });
    }

    /** Drops the breaker of a terminated instance. */
    public void forget(String instanceId) {
        breakers.remove(instanceId);
    }

    CircuitBreaker.State breakerState(String instanceId) {
        return breakers.circuitBreaker(instanceId).getState();
    }
}
