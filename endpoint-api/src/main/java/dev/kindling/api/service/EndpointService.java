package dev.kindling.api.service;

import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.Requests.CreateEndpoint;
import dev.kindling.api.model.Requests.UpdateEndpoint;
import dev.kindling.api.model.Views;
import dev.kindling.api.model.Views.EndpointView;
import dev.kindling.api.model.Views.Versioned;
import dev.kindling.api.reconcile.ReconcilePlanner;
import dev.kindling.api.reconcile.ReconcileTrigger;
import dev.kindling.cache.placement.Resources;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.Endpoint;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.InstanceStore;
import dev.kindling.db.store.ListQuery;
import dev.kindling.db.store.Page;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Endpoints. The API records what the user wants (a config) and sets Creating, Updating or Deleting; the
 * reconciler does the work and moves the status on.
 */
@Service
public class EndpointService {

    private final EndpointStore endpoints;
    private final EndpointConfigStore configs;
    private final InferenceComponentStore components;
    private final InstanceStore instances;
    private final InstanceTypeCatalog catalog;
    private final ReconcileTrigger reconciler;
    private final Clock clock;

    public EndpointService(EndpointStore endpoints, EndpointConfigStore configs, InferenceComponentStore components,
                           InstanceStore instances, InstanceTypeCatalog catalog, ReconcileTrigger reconciler, Clock clock) {
        this.endpoints = endpoints;
        this.configs = configs;
        this.components = components;
        this.instances = instances;
        this.catalog = catalog;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    public Mono<Endpoint> create(CreateEndpoint req) {
        Violations v = new Violations();
        v.name(req.endpointName(), "endpointName");
        v.name(req.endpointConfigName(), "endpointConfigName");
        if (!v.isEmpty()) return Mono.error(v.toException());
        return existingConfig(req.endpointConfigName()).flatMap(config -> {
            Instant now = clock.instant();
            Endpoint e = new Endpoint(req.endpointName(), config.name(), EndpointStatus.Creating, null, now, now, now, 1);
            return endpoints.create(e).flatMap(created -> created ? get(e.name())
                    : Mono.error(ApiException.alreadyExists("endpoint", e.name())));
        }).doOnSuccess(e -> reconciler.kick());
    }

    public Mono<Endpoint> get(String name) {
        return endpoints.find(name).switchIfEmpty(Mono.error(() -> ApiException.notFound("endpoint", name)));
    }

    /** The endpoint with each variant's live instance count, and its version. */
    public Mono<Versioned<EndpointView>> describe(String name) {
        return get(name).flatMap(e -> Mono.zip(configs.find(e.configName()), instances.findUnterminated(name).collectList())
                .map(t -> new Versioned<>(view(e, t.getT1(), t.getT2()), e.version())));
    }

    private static EndpointView view(Endpoint e, EndpointConfig config, List<Instance> live) {
        List<Views.VariantView> variants = config.productionVariants().stream()
                .map(v -> Views.variant(v, (int) live.stream().filter(i -> i.variantName().equals(v.variantName())
                        && i.status() == InstanceStatus.InService).count()))
                .toList();
        return new EndpointView(e.name(), e.configName(), e.status().name(), e.failureReason(), variants,
                e.creationTime(), e.lastModifiedTime());
    }

    public Mono<Page<Endpoint>> list(ListQuery q) {
        return endpoints.list(q);
    }

    /**
     * Moves the endpoint to another config. Refused while the endpoint is still being created, updated or deleted,
     * and when the new config lacks a variant that a component runs on, or offers one too small for it.
     */
    public Mono<Endpoint> update(String name, UpdateEndpoint req, Long ifMatch) {
        Violations v = new Violations();
        v.name(req.endpointConfigName(), "endpointConfigName");
        if (!v.isEmpty()) return Mono.error(v.toException());
        return existingConfig(req.endpointConfigName()).flatMap(config ->
                components.findByEndpoint(name).collectList().flatMap(comps -> {
                    checkComponentsFit(config, comps);
                    return Optimistic.update(() -> endpoints.find(name), Endpoint::version, ifMatch, "endpoint", name, e -> {
                        if (e.status() == EndpointStatus.Creating || e.status() == EndpointStatus.Updating
                                || e.status() == EndpointStatus.Deleting) {
                            throw ApiException.conflict("endpoint " + name + " is " + e.status()
                                    + "; it can be updated once it is InService or Failed");
                        }
                        Instant now = clock.instant();
                        return endpoints.update(new Endpoint(e.name(), config.name(), EndpointStatus.Updating, null,
                                e.creationTime(), now, now, e.version()), e.version());
                    });
                })).doOnSuccess(e -> reconciler.kick());
    }

    private void checkComponentsFit(EndpointConfig config, List<InferenceComponent> comps) {
        Violations v = new Violations();
        for (InferenceComponent c : comps) {
            if (c.status() == ComponentStatus.Deleting) continue;
            ProductionVariant variant = config.variant(c.variantName()).orElse(null);
            if (variant == null) {
                v.add("endpointConfigName", "must keep variant " + c.variantName() + ", which inference component "
                        + c.name() + " runs on");
                continue;
            }
            Resources need = ReconcilePlanner.copyResources(c.specification().computeResourceRequirements());
            Resources capacity = catalog.get(variant.instanceType()).capacity();
            v.check(capacity.covers(need), "endpointConfigName", "variant " + variant.variantName() + " runs "
                    + variant.instanceType() + " (" + capacity + "), too small for a copy of " + c.name() + " (" + need + ")");
        }
        v.throwIfAny();
    }

    /** Marks the endpoint and its components Deleting; the reconciler terminates instances and removes them. */
    public Mono<Void> delete(String name, Long ifMatch) {
        return Optimistic.update(() -> endpoints.find(name), Endpoint::version, ifMatch, "endpoint", name, e -> {
                    if (e.status() == EndpointStatus.Deleting) return Mono.just(true);
                    Instant now = clock.instant();
                    return endpoints.update(new Endpoint(e.name(), e.configName(), EndpointStatus.Deleting, null,
                            e.creationTime(), now, now, e.version()), e.version());
                })
                .thenMany(Flux.defer(() -> components.findByEndpoint(name)))
                .concatMap(c -> InferenceComponentService.markDeleting(components, c, clock.instant()))
                .then()
                .doOnSuccess(x -> reconciler.kick());
    }

    private Mono<EndpointConfig> existingConfig(String configName) {
        return configs.find(configName).switchIfEmpty(Mono.error(() -> ApiException.invalid("endpointConfigName",
                "must name an existing endpoint config; '" + configName + "' does not exist")));
    }
}
