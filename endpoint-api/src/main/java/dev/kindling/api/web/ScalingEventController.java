package dev.kindling.api.web;

import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.model.ScalingEventView;
import dev.kindling.api.model.Views.PageView;
import dev.kindling.api.service.ApiException;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.ListQuery;
import dev.kindling.db.store.ScalingEventStore;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** An endpoint's scaling events, newest first: what the scaler decided, why, and how each scale-out went. */
@RestController
public class ScalingEventController {

    private final ScalingEventStore events;
    private final EndpointStore endpoints;
    private final int defaultMaxResults;

    public ScalingEventController(ScalingEventStore events, EndpointStore endpoints, KindlingProperties properties) {
        this.events = events;
        this.endpoints = endpoints;
        this.defaultMaxResults = properties.api().defaultMaxResults();
    }

    @GetMapping("/v1/endpoints/{name}/scaling-events")
    Mono<PageView<ScalingEventView>> list(@PathVariable String name,
                                          @RequestParam(required = false) Integer maxResults,
                                          @RequestParam(required = false) String nextToken,
                                          @RequestParam(required = false) String inferenceComponentName) {
        return Mono.fromCallable(() -> ListParams.of(maxResults, nextToken, null, null, null, null, defaultMaxResults))
                .flatMap(q -> endpoints.find(name)
                        .switchIfEmpty(Mono.error(() -> ApiException.notFound("endpoint", name)))
                        .then(events.list(name, blankToNull(inferenceComponentName), q.afterName(), q.maxResults())))
                .map(page -> new PageView<>(page.items().stream().map(ScalingEventView::of).toList(), page.nextToken()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
