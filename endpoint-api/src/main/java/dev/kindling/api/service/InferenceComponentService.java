package dev.kindling.api.service;

import dev.kindling.api.fleet.InstanceType;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import dev.kindling.api.model.Requests.ComputeBody;
import dev.kindling.api.model.Requests.ContainerBody;
import dev.kindling.api.model.Requests.CreateInferenceComponent;
import dev.kindling.api.model.Requests.RuntimeConfigBody;
import dev.kindling.api.model.Requests.SpecificationBody;
import dev.kindling.api.model.Requests.StartupBody;
import dev.kindling.api.model.Requests.UpdateInferenceComponent;
import dev.kindling.api.model.Views;
import dev.kindling.api.model.StartupJson;
import dev.kindling.api.model.Views.CopyView;
import dev.kindling.api.model.Views.InferenceComponentView;
import dev.kindling.api.model.Views.Versioned;
import dev.kindling.api.reconcile.ReconcileTrigger;
import dev.kindling.db.model.ComponentSpec;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.ComputeRequirements;
import dev.kindling.db.model.Container;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.ProductionVariant;
import dev.kindling.db.model.StartupParameters;
import dev.kindling.db.store.CopyStore;
import dev.kindling.db.store.EndpointConfigStore;
import dev.kindling.db.store.EndpointStore;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.ListQuery;
import dev.kindling.db.store.Page;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * Inference components: a model on an endpoint variant, with a desired copy count. Changing the specification
 * rolls the copies to a new revision; changing the copy count (its own call, as SageMaker's
 * UpdateInferenceComponentRuntimeConfig) adds or removes copies.
 */
@Service
public class InferenceComponentService {

    public static final int MAX_COPIES = 1000;
    public static final int MAX_ENVIRONMENT = 100;
    private static final Pattern ENV_KEY = Pattern.compile("^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$");
    private static final Pattern IMAGE = Pattern.compile(
            "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\\w][\\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$");
    private static final Pattern S3_URL = Pattern.compile("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$");

    private final InferenceComponentStore components;
    private final EndpointStore endpoints;
    private final EndpointConfigStore configs;
    private final CopyStore copies;
    private final InstanceTypeCatalog catalog;
    private final ReconcileTrigger reconciler;
    private final Clock clock;

    public InferenceComponentService(InferenceComponentStore components, EndpointStore endpoints,
                                     EndpointConfigStore configs, CopyStore copies, InstanceTypeCatalog catalog,
                                     ReconcileTrigger reconciler, Clock clock) {
        this.components = components;
        this.endpoints = endpoints;
        this.configs = configs;
        this.copies = copies;
        this.catalog = catalog;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    public Mono<InferenceComponent> create(CreateInferenceComponent req) {
        Violations v = new Violations();
        v.name(req.inferenceComponentName(), "inferenceComponentName");
        v.name(req.endpointName(), "endpointName");
        v.name(req.variantName(), "variantName");
        v.required(req.specification(), "specification");
        if (v.required(req.runtimeConfig(), "runtimeConfig")) {
            copyCount(req.runtimeConfig(), v);
        }
        if (!v.isEmpty()) {
            // Report the specification's own problems too, without an instance type to check the fit against.
            if (req.specification() != null) spec(req.specification(), null, v);
            return Mono.error(v.toException());
        }
        return endpoints.find(req.endpointName())
                .switchIfEmpty(Mono.error(() -> ApiException.invalid("endpointName",
                        "must name an existing endpoint; '" + req.endpointName() + "' does not exist")))
                .flatMap(e -> {
                    if (e.status() == EndpointStatus.Deleting) {
                        return Mono.error(ApiException.conflict("endpoint " + e.name() + " is being deleted"));
                    }
                    return configs.find(e.configName());
                })
                .flatMap(config -> {
                    ProductionVariant variant = config.variant(req.variantName()).orElse(null);
                    InstanceType type = variant == null ? null : catalog.get(variant.instanceType());
                    v.check(variant != null, "variantName", "must name a variant of endpoint " + req.endpointName()
                            + " (config " + config.name() + " has " + config.productionVariants().stream()
                            .map(ProductionVariant::variantName).toList() + ")");
                    ComponentSpec spec = spec(req.specification(), type, v);
                    v.throwIfAny();
                    Instant now = clock.instant();
                    InferenceComponent c = new InferenceComponent(req.inferenceComponentName(), req.endpointName(),
                            req.variantName(), spec, 1, req.runtimeConfig().copyCount(), ComponentStatus.Creating, null,
                            now, now, now, 1);
                    return components.create(c).flatMap(created -> created ? get(c.name())
                            : components.find(c.name()).map(x -> ApiException.alreadyExists("inference component", c.name()))
                                    .defaultIfEmpty(ApiException.conflict("endpoint " + req.endpointName() + " is being deleted"))
                                    .flatMap(Mono::error));
                })
                .doOnSuccess(c -> reconciler.kick());
    }

    public Mono<InferenceComponent> get(String name) {
        return components.find(name).switchIfEmpty(Mono.error(() -> ApiException.notFound("inference component", name)));
    }

    /** The component with its current copy count, and its version. */
    public Mono<Versioned<InferenceComponentView>> describe(String name) {
        return get(name).flatMap(c -> copies.findByComponent(name).collectList()
                .map(cs -> new Versioned<>(view(c, cs), c.version())));
    }

    public static InferenceComponentView view(InferenceComponent c, List<Copy> cs) {
        Integer current = cs == null ? null : (int) cs.stream().filter(x -> x.status() == CopyStatus.InService).count();
        return new InferenceComponentView(c.name(), c.endpointName(), c.variantName(), c.specification(),
                new Views.RuntimeConfigView(c.desiredCopyCount(), current), c.status().name(), c.failureReason(),
                c.creationTime(), c.lastModifiedTime());
    }

    public Mono<Page<InferenceComponent>> list(ListQuery q) {
        return components.list(q);
    }

    public Mono<List<CopyView>> copies(String name) {
        return get(name).flatMap(c -> copies.findByComponent(name).map(InferenceComponentService::copyView).collectList());
    }

    public static CopyView copyView(Copy x) {
        return new CopyView(x.id(), x.componentName(), x.instanceId(), x.specRevision(), x.status().name(),
                new Views.ResourcesView(x.accelerators(), x.cpuMillis() / 1000.0, x.memoryMb()), x.modelServerUrl(),
                x.failureReason(), x.createdAt(), x.readyAt(), StartupJson.read(x.startupJson()));
    }

    /** Replaces the specification (a new revision, rolled out copy by copy) and, if given, the copy count. */
    public Mono<InferenceComponent> update(String name, UpdateInferenceComponent req, Long ifMatch) {
        Violations v = new Violations();
        v.required(req.specification(), "specification");
        if (req.runtimeConfig() != null) copyCount(req.runtimeConfig(), v);
        if (!v.isEmpty()) return Mono.error(v.toException());
        return get(name)
                .flatMap(c -> endpoints.find(c.endpointName()).flatMap(e -> configs.find(e.configName()))
                        .map(config -> config.variant(c.variantName()).orElseThrow()))
                .flatMap(variant -> {
                    ComponentSpec spec = spec(req.specification(), catalog.get(variant.instanceType()), v);
                    v.throwIfAny();
                    return Optimistic.update(() -> components.find(name), InferenceComponent::version, ifMatch,
                            "inference component", name, c -> {
                                refuseWhileDeleting(c);
                                int copiesWanted = req.runtimeConfig() == null ? c.desiredCopyCount()
                                        : req.runtimeConfig().copyCount();
                                // Switching the model cache changes the endpoint's cache volume, not what a copy runs.
                                boolean specChanged = !spec.withModelCacheEnabled(true)
                                        .equals(c.specification().withModelCacheEnabled(true));
                                return write(c, spec, specChanged ? c.specRevision() + 1 : c.specRevision(), copiesWanted,
                                        specChanged || copiesWanted != c.desiredCopyCount());
                            });
                })
                .doOnSuccess(c -> reconciler.kick());
    }

    /** Sets the desired copy count, as SageMaker's UpdateInferenceComponentRuntimeConfig. */
    public Mono<InferenceComponent> updateRuntimeConfig(String name, RuntimeConfigBody req, Long ifMatch) {
        Violations v = new Violations();
        copyCount(req, v);
        if (!v.isEmpty()) return Mono.error(v.toException());
        return Optimistic.update(() -> components.find(name), InferenceComponent::version, ifMatch,
                        "inference component", name, c -> {
                            refuseWhileDeleting(c);
                            return write(c, c.specification(), c.specRevision(), req.copyCount(),
                                    req.copyCount() != c.desiredCopyCount());
                        })
                .doOnSuccess(c -> reconciler.kick());
    }

    private Mono<Boolean> write(InferenceComponent c, ComponentSpec spec, long revision, int copyCount, boolean changed) {
        Instant now = clock.instant();
        // A component still being created stays Creating; otherwise a change means Updating (and retries a Failed one).
        ComponentStatus status = !changed || c.status() == ComponentStatus.Creating ? c.status() : ComponentStatus.Updating;
        boolean statusChanged = status != c.status();
        return components.update(new InferenceComponent(c.name(), c.endpointName(), c.variantName(), spec, revision,
                copyCount, status, statusChanged ? null : c.failureReason(), c.creationTime(), now,
                statusChanged ? now : c.statusSince(), c.version()), c.version());
    }

    private static void refuseWhileDeleting(InferenceComponent c) {
        if (c.status() == ComponentStatus.Deleting) {
            throw ApiException.conflict("inference component " + c.name() + " is being deleted");
        }
    }

    public Mono<Void> delete(String name, Long ifMatch) {
        return Optimistic.update(() -> components.find(name), InferenceComponent::version, ifMatch,
                        "inference component", name, c -> c.status() == ComponentStatus.Deleting ? Mono.just(true)
                                : components.update(deleting(c, clock.instant()), c.version()))
                .then()
                .doOnSuccess(x -> reconciler.kick());
    }

    static Mono<Boolean> markDeleting(InferenceComponentStore store, InferenceComponent c, Instant now) {
        return c.status() == ComponentStatus.Deleting ? Mono.just(true) : store.update(deleting(c, now), c.version());
    }

    private static InferenceComponent deleting(InferenceComponent c, Instant now) {
        return new InferenceComponent(c.name(), c.endpointName(), c.variantName(), c.specification(), c.specRevision(),
                c.desiredCopyCount(), ComponentStatus.Deleting, null, c.creationTime(), now, now, c.version());
    }

    private static void copyCount(RuntimeConfigBody rc, Violations v) {
        if (v.required(rc.copyCount(), "runtimeConfig.copyCount")) {
            v.range(rc.copyCount(), "runtimeConfig.copyCount", 0, MAX_COPIES);
        }
    }

    /**
     * Validates a specification; with an instance type, also that one copy fits on an empty instance of it.
     * Returns null when invalid (the violations say why).
     */
    static ComponentSpec spec(SpecificationBody s, InstanceType type, Violations v) {
        int before = v.size();
        Container container = null;
        ContainerBody cb = s.container();
        if (v.required(cb, "specification.container")) {
            if (v.required(cb.image(), "specification.container.image")) {
                v.check(cb.image().length() <= 255 && IMAGE.matcher(cb.image()).matches(), "specification.container.image",
                        "must be an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag or "
                                + "repo@sha256:<64 hex>, lower case, at most 255 characters");
            }
            if (cb.artifactUrl() != null) {
                v.check(cb.artifactUrl().length() <= 1024 && S3_URL.matcher(cb.artifactUrl()).matches(),
                        "specification.container.artifactUrl", "must be an S3 URI such as s3://bucket/model.tar.gz");
            }
            Map<String, String> env = cb.environment() == null ? Map.of() : cb.environment();
            v.check(env.size() <= MAX_ENVIRONMENT, "specification.container.environment",
                    "must hold at most " + MAX_ENVIRONMENT + " variables");
            env.forEach((k, val) -> {
                v.check(ENV_KEY.matcher(k).matches(), "specification.container.environment." + k,
                        "name must be letters, digits and underscores, not starting with a digit");
                v.check(val != null && val.length() <= 1024, "specification.container.environment." + k,
                        "value must be a string of at most 1024 characters");
            });
            container = new Container(cb.image(), cb.artifactUrl(), env);
        }
        ComputeRequirements compute = null;
        ComputeBody c = s.computeResourceRequirements();
        if (v.required(c, "specification.computeResourceRequirements")) {
            String at = "specification.computeResourceRequirements.";
            int acc = c.numberOfAcceleratorDevicesRequired() == null ? 0 : c.numberOfAcceleratorDevicesRequired();
            double cpu = c.numberOfCpuCoresRequired() == null ? 1.0 : c.numberOfCpuCoresRequired();
            v.range(acc, at + "numberOfAcceleratorDevicesRequired", 0, 16);
            v.check(cpu >= 0.25 && cpu <= 512, at + "numberOfCpuCoresRequired", "must be between 0.25 and 512");
            if (v.required(c.minMemoryRequiredInMb(), at + "minMemoryRequiredInMb")) {
                v.range(c.minMemoryRequiredInMb(), at + "minMemoryRequiredInMb", 128, 4_194_304);
            }
            if (c.maxMemoryRequiredInMb() != null && c.minMemoryRequiredInMb() != null) {
                v.check(c.maxMemoryRequiredInMb() >= c.minMemoryRequiredInMb(), at + "maxMemoryRequiredInMb",
                        "must be greater than or equal to minMemoryRequiredInMb");
            }
            if (v.size() == before && c.minMemoryRequiredInMb() != null) {
                compute = new ComputeRequirements(acc, cpu, c.minMemoryRequiredInMb(), c.maxMemoryRequiredInMb());
                if (type != null) {
                    v.check(acc <= type.accelerators(), at + "numberOfAcceleratorDevicesRequired",
                            "must fit the variant's " + type.name() + ", which has " + type.accelerators() + " accelerators");
                    v.check(cpu <= type.vcpus(), at + "numberOfCpuCoresRequired",
                            "must fit the variant's " + type.name() + ", which has " + type.vcpus() + " vCPUs");
                    v.check(c.minMemoryRequiredInMb() <= type.memoryMb(), at + "minMemoryRequiredInMb",
                            "must fit the variant's " + type.name() + ", which has " + type.memoryMb() + " MiB");
                }
            }
        }
        StartupBody sb = s.startupParameters();
        int download = StartupParameters.DEFAULT_TIMEOUT_SECONDS;
        int health = StartupParameters.DEFAULT_TIMEOUT_SECONDS;
        if (sb != null) {
            v.range(sb.modelDataDownloadTimeoutInSeconds(), "specification.startupParameters.modelDataDownloadTimeoutInSeconds", 60, 3600);
            v.range(sb.containerStartupHealthCheckTimeoutInSeconds(),
                    "specification.startupParameters.containerStartupHealthCheckTimeoutInSeconds", 60, 3600);
            if (sb.modelDataDownloadTimeoutInSeconds() != null) download = sb.modelDataDownloadTimeoutInSeconds();
            if (sb.containerStartupHealthCheckTimeoutInSeconds() != null) health = sb.containerStartupHealthCheckTimeoutInSeconds();
        }
        Object cached = s.modelCacheEnabled();
        v.check(cached == null || cached instanceof Boolean, "specification.modelCacheEnabled", "must be true or false");
        if (v.size() != before) return null;
        return new ComponentSpec(container, compute, new StartupParameters(download, health),
                cached == null || (Boolean) cached);
    }
}
