package dev.kindling.api.web;

import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.model.Requests.CreateEndpoint;
import dev.kindling.api.model.Requests.UpdateEndpoint;
import dev.kindling.api.model.Views.EndpointSummary;
import dev.kindling.api.model.Views.EndpointView;
import dev.kindling.api.model.Views.PageView;
import dev.kindling.api.service.EndpointService;
import dev.kindling.api.service.Etags;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** Endpoints: create from a config, describe, list, move to another config, delete. */
@RestController
@RequestMapping("/v1/endpoints")
public class EndpointController {

    private final EndpointService service;
    private final int defaultMaxResults;

    public EndpointController(EndpointService service, KindlingProperties properties) {
        this.service = service;
        this.defaultMaxResults = properties.api().defaultMaxResults();
    }

    @PostMapping
    Mono<ResponseEntity<EndpointView>> create(@RequestBody CreateEndpoint body) {
        return service.create(body).flatMap(e -> service.describe(e.name()))
                .map(v -> Responses.created("/v1/endpoints/" + v.view().endpointName(), v.view(), v.version()));
    }

    @GetMapping("/{name}")
    Mono<ResponseEntity<EndpointView>> describe(@PathVariable String name) {
        return service.describe(name).map(v -> Responses.ok(v.view(), v.version()));
    }

    @GetMapping
    Mono<PageView<EndpointSummary>> list(@RequestParam(required = false) Integer maxResults,
                                         @RequestParam(required = false) String nextToken,
                                         @RequestParam(required = false) String nameContains,
                                         @RequestParam(required = false) String statusEquals) {
        return Mono.fromCallable(() -> ListParams.of(maxResults, nextToken, nameContains, statusEquals,
                        EndpointStatus.class, null, defaultMaxResults))
                .flatMap(service::list)
                .map(p -> new PageView<>(p.items().stream().map(EndpointController::summary).toList(), p.nextToken()));
    }

    /** Moves the endpoint to another config; 202, as the reconciler does the work. */
    @PutMapping("/{name}")
    Mono<ResponseEntity<EndpointView>> update(@PathVariable String name, @RequestBody UpdateEndpoint body,
                                              @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.update(name, body, Etags.parseIfMatch(ifMatch)))
                .flatMap(e -> service.describe(name)).map(v -> Responses.accepted(v.view(), v.version()));
    }

    @DeleteMapping("/{name}")
    Mono<ResponseEntity<Void>> delete(@PathVariable String name,
                                      @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.delete(name, Etags.parseIfMatch(ifMatch)))
                .thenReturn(ResponseEntity.accepted().build());
    }

    static EndpointSummary summary(Endpoint e) {
        return new EndpointSummary(e.name(), e.configName(), e.status().name(), e.failureReason(), e.creationTime(),
                e.lastModifiedTime());
    }
}
