package dev.kindling.api.service;

import dev.kindling.api.model.EndpointCacheView;
import dev.kindling.db.store.EndpointCacheStore;
import dev.kindling.db.store.EndpointStore;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** Endpoint cache volumes as the API shows them. */
@Service
public class EndpointCacheService {

    private final EndpointStore endpoints;
    private final EndpointCacheStore caches;

    public EndpointCacheService(EndpointStore endpoints, EndpointCacheStore caches) {
        this.endpoints = endpoints;
        this.caches = caches;
    }

    /** The endpoint's cache; 404 for an unknown endpoint. */
    public Mono<EndpointCacheView> describe(String endpointName) {
        return endpoints.find(endpointName)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("endpoint", endpointName)))
                .flatMap(e -> caches.find(endpointName).map(EndpointCacheView::of)
                        .defaultIfEmpty(EndpointCacheView.none(endpointName)));
    }
}
