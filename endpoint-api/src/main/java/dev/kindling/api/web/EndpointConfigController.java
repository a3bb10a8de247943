package dev.kindling.api.web;

import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.model.Requests.CreateEndpointConfig;
import dev.kindling.api.model.Views.EndpointConfigView;
import dev.kindling.api.model.Views.PageView;
import dev.kindling.api.service.EndpointConfigService;
import dev.kindling.db.model.EndpointConfig;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** Endpoint configs: create, describe, list, delete. Immutable, so no update. */
@RestController
@RequestMapping("/v1/endpoint-configs")
public class EndpointConfigController {

    private final EndpointConfigService service;
    private final int defaultMaxResults;

    public EndpointConfigController(EndpointConfigService service, KindlingProperties properties) {
        this.service = service;
        this.defaultMaxResults = properties.api().defaultMaxResults();
    }

    @PostMapping
    Mono<ResponseEntity<EndpointConfigView>> create(@RequestBody CreateEndpointConfig body) {
        return service.create(body).map(c -> Responses.created("/v1/endpoint-configs/" + c.name(), view(c), 1));
    }

    @GetMapping("/{name}")
    Mono<ResponseEntity<EndpointConfigView>> describe(@PathVariable String name) {
        return service.get(name).map(c -> Responses.ok(view(c), 1));
    }

    @GetMapping
    Mono<PageView<EndpointConfigView>> list(@RequestParam(required = false) Integer maxResults,
                                            @RequestParam(required = false) String nextToken,
                                            @RequestParam(required = false) String nameContains) {
        return Mono.fromCallable(() -> ListParams.of(maxResults, nextToken, nameContains, null, null, null, defaultMaxResults))
                .flatMap(service::list)
                .map(p -> new PageView<>(p.items().stream().map(EndpointConfigController::view).toList(), p.nextToken()));
    }

    @DeleteMapping("/{name}")
    Mono<ResponseEntity<Void>> delete(@PathVariable String name) {
        return service.delete(name).thenReturn(ResponseEntity.noContent().build());
    }

    static EndpointConfigView view(EndpointConfig c) {
        return new EndpointConfigView(c.name(), c.productionVariants(), c.creationTime());
    }
}
