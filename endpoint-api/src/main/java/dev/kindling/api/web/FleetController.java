package dev.kindling.api.web;

import dev.kindling.agent.protocol.AgentPaths;
import dev.kindling.agent.protocol.Heartbeat;
import dev.kindling.agent.protocol.HeartbeatResponse;
import dev.kindling.agent.protocol.Registration;
import dev.kindling.agent.protocol.RegistrationResponse;
import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.model.Views.InstanceTypeView;
import dev.kindling.api.model.Views.InstanceView;
import dev.kindling.api.model.Views.PageView;
import dev.kindling.api.service.FleetService;
import dev.kindling.db.model.InstanceStatus;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** Instances and instance types for users; registration and heartbeats for agents. */
@RestController
public class FleetController {

    private final FleetService service;
    private final int defaultMaxResults;

    public FleetController(FleetService service, KindlingProperties properties) {
        this.service = service;
        this.defaultMaxResults = properties.api().defaultMaxResults();
    }

    @GetMapping("/v1/instance-types")
    List<InstanceTypeView> instanceTypes() {
        return service.instanceTypes();
    }

    @GetMapping("/v1/instances")
    Mono<PageView<InstanceView>> instances(@RequestParam(required = false) Integer maxResults,
                                           @RequestParam(required = false) String nextToken,
                                           @RequestParam(required = false) String statusEquals,
                                           @RequestParam(required = false) String endpointNameEquals) {
        return Mono.fromCallable(() -> ListParams.of(maxResults, nextToken, null, statusEquals, InstanceStatus.class,
                        endpointNameEquals, defaultMaxResults))
                .flatMap(service::list)
                .map(p -> new PageView<>(p.items(), p.nextToken()));
    }

    @GetMapping("/v1/instances/{id}")
    Mono<InstanceView> instance(@PathVariable String id) {
        return service.get(id);
    }

    /** 200 with the caches the instance may use; its agent proves itself with {@code Authorization: Bearer <secret>}. */
    @PostMapping("/v1/agent/instances/{id}/register")
    Mono<RegistrationResponse> register(@PathVariable String id, @RequestBody Registration body,
                                        @RequestHeader(value = AgentPaths.AUTHORIZATION, required = false) String authorization) {
        return service.register(id, body, authorization);
    }

    @PostMapping("/v1/agent/instances/{id}/heartbeat")
    Mono<HeartbeatResponse> heartbeat(@PathVariable String id, @RequestBody Heartbeat body,
                                      @RequestHeader(value = AgentPaths.AUTHORIZATION, required = false) String authorization) {
        return service.heartbeat(id, body, authorization);
    }
}
