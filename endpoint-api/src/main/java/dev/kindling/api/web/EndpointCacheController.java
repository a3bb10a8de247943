package dev.kindling.api.web;

import dev.kindling.api.model.EndpointCacheView;
import dev.kindling.api.service.EndpointCacheService;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** An endpoint's cache volume: what it holds, which generation instances are given, how its builds went. */
@RestController
public class EndpointCacheController {

    private final EndpointCacheService service;

    public EndpointCacheController(EndpointCacheService service) {
        this.service = service;
    }

    @GetMapping("/v1/endpoints/{name}/caches")
    Mono<EndpointCacheView> caches(@PathVariable String name) {
        return service.describe(name);
    }
}
