package dev.kindling.api.web;

import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.model.Views.CopyPlacementView;
import dev.kindling.api.model.Views.PageView;
import dev.kindling.api.service.PlacementService;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** Why each copy of an inference component went where it went, and which cache tier served each blob it started from. */
@RestController
public class PlacementController {

    private final PlacementService service;
    private final int defaultMaxResults;

    public PlacementController(PlacementService service, KindlingProperties properties) {
        this.service = service;
        this.defaultMaxResults = properties.api().defaultMaxResults();
    }

    @GetMapping("/v1/inference-components/{name}/placements")
    Mono<PageView<CopyPlacementView>> placements(@PathVariable String name,
                                                 @RequestParam(required = false) Integer maxResults,
                                                 @RequestParam(required = false) String nextToken) {
        return Mono.fromCallable(() -> ListParams.of(maxResults, nextToken, null, null, null, null, defaultMaxResults))
                .flatMap(q -> service.placements(name, q))
                .map(p -> new PageView<>(p.items(), p.nextToken()));
    }
}
