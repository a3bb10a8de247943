package dev.kindling.api.service;

import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.Requests.CreateEndpointConfig;
import dev.kindling.api.model.Requests.ProductionVariantBody;
import dev.kindling.db.model.EndpointConfig;
import dev.kindling.db.model.ManagedInstanceScaling;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.RoutingStrategy;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.ListQuery;
import dev.kindling.db.store.Page;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** Endpoint configs: validated once at creation, immutable after. */
@Service
public class EndpointConfigService {

    public static final int MAX_VARIANTS = 10;
    public static final int MAX_INSTANCES_PER_VARIANT = 100;

    private final EndpointConfigStore store;
    private final InstanceTypeCatalog catalog;
    private final Clock clock;

    public EndpointConfigService(EndpointConfigStore store, InstanceTypeCatalog catalog, Clock clock) {
        this.store = store;
        this.catalog = catalog;
        this.clock = clock;
    }

    public Mono<EndpointConfig> create(CreateEndpointConfig req) {
        return Mono.fromCallable(() -> validate(req)).flatMap(config -> store.create(config).flatMap(created -> created
                ? Mono.just(config) : Mono.error(ApiException.alreadyExists("endpoint config", config.name()))));
    }

    public Mono<EndpointConfig> get(String name) {
        return store.find(name).switchIfEmpty(Mono.error(() -> ApiException.notFound("endpoint config", name)));
    }

    public Mono<Page<EndpointConfig>> list(ListQuery q) {
        return store.list(q);
    }

    public Mono<Void> delete(String name) {
        return store.delete(name).flatMap(outcome -> switch (outcome) {
            case DELETED -> Mono.<Void>empty();
            case NOT_FOUND -> Mono.error(ApiException.notFound("endpoint config", name));
            case IN_USE -> store.usedBy(name).flatMap(users -> Mono.error(ApiException.conflict(
                    "endpoint config " + name + " is in use by endpoint(s) " + String.join(", ", users)
                            + "; update or delete them first")));
        });
    }

    EndpointConfig validate(CreateEndpointConfig req) {
        Violations v = new Violations();
        v.name(req.endpointConfigName(), "endpointConfigName");
        List<ProductionVariant> variants = new ArrayList<>();
        if (v.required(req.productionVariants(), "productionVariants")) {
            v.check(req.productionVariants().size() <= MAX_VARIANTS, "productionVariants",
                    "must hold at most " + MAX_VARIANTS + " variants");
            Set<String> names = new HashSet<>();
            for (int i = 0; i < req.productionVariants().size(); i++) {
                String at = "productionVariants[" + i + "]";
                ProductionVariantBody b = req.productionVariants().get(i);
                if (!v.required(b, at)) continue;
                ProductionVariant pv = variant(b, at, v);
                if (b.variantName() != null) {
                    v.check(names.add(b.variantName()), at + ".variantName", "must be unique within the config");
                }
                if (pv != null) variants.add(pv);
            }
        }
        v.throwIfAny();
        return new EndpointConfig(req.endpointConfigName(), variants, clock.instant());
    }

    private ProductionVariant variant(ProductionVariantBody b, String at, Violations v) {
        int before = v.size();
        v.name(b.variantName(), at + ".variantName");
        if (v.required(b.instanceType(), at + ".instanceType")) {
            v.check(catalog.find(b.instanceType()).isPresent(), at + ".instanceType",
                    "must be a known instance type (GET /v1/instance-types), was '" + b.instanceType() + "'");
        }
        if (v.required(b.initialInstanceCount(), at + ".initialInstanceCount")) {
            v.range(b.initialInstanceCount(), at + ".initialInstanceCount", 1, MAX_INSTANCES_PER_VARIANT);
        }
        RoutingStrategy routing = RoutingStrategy.LEAST_OUTSTANDING_REQUESTS;
        if (b.routingConfig() != null && v.required(b.routingConfig().routingStrategy(), at + ".routingConfig.routingStrategy")) {
            routing = oneOf(RoutingStrategy.class, b.routingConfig().routingStrategy(), at + ".routingConfig.routingStrategy", v);
        }
        ManagedInstanceScaling managed = null;
        var m = b.managedInstanceScaling();
        if (m != null) {
            String mAt = at + ".managedInstanceScaling";
            ManagedInstanceScaling.Status status = null;
            if (v.required(m.status(), mAt + ".status")) {
                status = oneOf(ManagedInstanceScaling.Status.class, m.status(), mAt + ".status", v);
            }
            if (v.required(m.minInstanceCount(), mAt + ".minInstanceCount")) {
                v.range(m.minInstanceCount(), mAt + ".minInstanceCount", 0, MAX_INSTANCES_PER_VARIANT);
            }
            if (v.required(m.maxInstanceCount(), mAt + ".maxInstanceCount")) {
                v.range(m.maxInstanceCount(), mAt + ".maxInstanceCount", 1, MAX_INSTANCES_PER_VARIANT);
            }
            if (m.minInstanceCount() != null && m.maxInstanceCount() != null) {
                v.check(m.minInstanceCount() <= m.maxInstanceCount(), mAt + ".maxInstanceCount",
                        "must be greater than or equal to minInstanceCount");
                if (b.initialInstanceCount() != null && status == ManagedInstanceScaling.Status.ENABLED) {
                    v.check(b.initialInstanceCount() >= m.minInstanceCount() && b.initialInstanceCount() <= m.maxInstanceCount(),
                            at + ".initialInstanceCount", "must lie within managedInstanceScaling's min and max instance counts");
                }
            }
            if (v.size() == before) {
                managed = new ManagedInstanceScaling(status, m.minInstanceCount(), m.maxInstanceCount());
            }
        }
        if (v.size() != before) return null;
        return new ProductionVariant(b.variantName(), b.instanceType(), b.initialInstanceCount(), routing, managed);
    }

    static <E extends Enum<E>> E oneOf(Class<E> type, String value, String field, Violations v) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(value)) return e;
        }
        v.add(field, "must be one of " + Arrays.toString(type.getEnumConstants()) + ", was '" + value + "'");
        return null;
    }
}
