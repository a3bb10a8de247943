package dev.kindling.api.web;

import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.model.Requests.CreateInferenceComponent;
import dev.kindling.api.model.Requests.RuntimeConfigBody;
import dev.kindling.api.model.Requests.UpdateInferenceComponent;
import dev.kindling.api.model.Views.CopyView;
import dev.kindling.api.model.Views.InferenceComponentView;
import dev.kindling.api.model.Views.PageView;
import dev.kindling.api.service.Etags;
import dev.kindling.api.service.InferenceComponentService;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.InferenceComponent;
import java.util.List;
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

/** Inference components: create, describe, list, update, set the copy count, delete, and see their copies. */
@RestController
@RequestMapping("/v1/inference-components")
public class InferenceComponentController {

    private final InferenceComponentService service;
    private final int defaultMaxResults;

    public InferenceComponentController(InferenceComponentService service, KindlingProperties properties) {
        this.service = service;
        this.defaultMaxResults = properties.api().defaultMaxResults();
    }

    @PostMapping
    Mono<ResponseEntity<InferenceComponentView>> create(@RequestBody CreateInferenceComponent body) {
        return service.create(body).flatMap(c -> service.describe(c.name()))
                .map(v -> Responses.created("/v1/inference-components/" + v.view().inferenceComponentName(), v.view(),
                        v.version()));
    }

    @GetMapping("/{name}")
    Mono<ResponseEntity<InferenceComponentView>> describe(@PathVariable String name) {
        return service.describe(name).map(v -> Responses.ok(v.view(), v.version()));
    }

    @GetMapping
    Mono<PageView<InferenceComponentView>> list(@RequestParam(required = false) Integer maxResults,
                                                @RequestParam(required = false) String nextToken,
                                                @RequestParam(required = false) String nameContains,
                                                @RequestParam(required = false) String statusEquals,
                                                @RequestParam(required = false) String endpointNameEquals) {
        return Mono.fromCallable(() -> ListParams.of(maxResults, nextToken, nameContains, statusEquals,
                        ComponentStatus.class, endpointNameEquals, defaultMaxResults))
                .flatMap(service::list)
                .map(p -> new PageView<>(p.items().stream().map(c -> InferenceComponentService.view(c, null)).toList(),
                        p.nextToken()));
    }

    @PutMapping("/{name}")
    Mono<ResponseEntity<InferenceComponentView>> update(@PathVariable String name, @RequestBody UpdateInferenceComponent body,
                                                        @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.update(name, body, Etags.parseIfMatch(ifMatch))).flatMap(this::accepted);
    }

    /** Sets the desired copy count, like SageMaker's UpdateInferenceComponentRuntimeConfig. */
    @PutMapping("/{name}/runtime-config")
    Mono<ResponseEntity<InferenceComponentView>> updateRuntimeConfig(@PathVariable String name, @RequestBody RuntimeConfigBody body,
                                                                     @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.updateRuntimeConfig(name, body, Etags.parseIfMatch(ifMatch))).flatMap(this::accepted);
    }

    @DeleteMapping("/{name}")
    Mono<ResponseEntity<Void>> delete(@PathVariable String name,
                                      @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.delete(name, Etags.parseIfMatch(ifMatch))).thenReturn(ResponseEntity.accepted().build());
    }

    /** The component's copies: where each runs, what it holds, its state. */
    @GetMapping("/{name}/copies")
    Mono<List<CopyView>> copies(@PathVariable String name) {
        return service.copies(name);
    }

    private Mono<ResponseEntity<InferenceComponentView>> accepted(InferenceComponent c) {
        return service.describe(c.name()).map(v -> Responses.accepted(v.view(), v.version()));
    }
}
