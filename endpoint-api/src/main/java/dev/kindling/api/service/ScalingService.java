package dev.kindling.api.service;

import dev.kindling.api.model.Requests.PredefinedMetricBody;
import dev.kindling.api.model.Requests.ScalableTargetBody;
import dev.kindling.api.model.Requests.ScalingPolicyBody;
import dev.kindling.api.model.Requests.StepAdjustmentBody;
import dev.kindling.api.model.Requests.StepScalingBody;
import dev.kindling.api.model.Requests.SuspendedStateBody;
import dev.kindling.api.model.Requests.TargetTrackingBody;
import dev.kindling.api.model.Views.ScalableTargetView;
import dev.kindling.api.model.Views.ScalingPolicyView;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.ScalableTargetRecord;
import dev.kindling.db.model.ScalingPolicyRecord;
import dev.kindling.db.store.InferenceComponentStore;
import dev.kindling.db.store.ScalingStore;
import dev.kindling.scaler.policy.AdjustmentType;
import dev.kindling.scaler.policy.MetricType;
import dev.kindling.scaler.policy.PolicyViolation;
import dev.kindling.scaler.policy.ScalableTarget;
import dev.kindling.scaler.policy.ScalingPolicy;
import dev.kindling.scaler.policy.StepAdjustment;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Scalable targets and scaling policies of inference components, validated by the scaler's rules and stored for
 * the scaler to act on. A policy needs a registered target; deleting the target deletes its policies.
 */
@Service
public class ScalingService {

    public static final String TARGET_TRACKING = "TargetTrackingScaling";
    public static final String STEP_SCALING = "StepScaling";
    private static final Pattern POLICY_NAME = Pattern.compile("^[A-Za-z0-9._-]{1,256}$");
    private static final int DEFAULT_COOLDOWN_SECONDS = 300;

    private final ScalingStore store;
    private final InferenceComponentStore components;
    private final JsonMapper json;
    private final Clock clock;

    public ScalingService(ScalingStore store, InferenceComponentStore components, JsonMapper json, Clock clock) {
        this.store = store;
        this.components = components;
        this.json = json;
        this.clock = clock;
    }

    public Mono<ScalableTargetRecord> putTarget(String component, ScalableTargetBody body, Long ifMatch) {
        Violations v = new Violations();
        ScalableTarget.validate(body.minCapacity(), body.maxCapacity()).forEach(p -> v.add(p.field(), p.rule()));
        if (!v.isEmpty()) return Mono.error(v.toException());
        SuspendedStateBody s = body.suspendedState();
        boolean in = s != null && Boolean.TRUE.equals(s.dynamicScalingInSuspended());
        boolean out = s != null && Boolean.TRUE.equals(s.dynamicScalingOutSuspended());
        Instant now = clock.instant();
        return liveComponent(component)
                .then(store.putTarget(new ScalableTargetRecord(component, body.minCapacity(), body.maxCapacity(), in, out,
                        now, now, 0), ifMatch))
                .flatMap(ok -> ok ? targetRecord(component) : store.findTarget(component)
                        .flatMap(t -> Mono.<ScalableTargetRecord>error(ApiException.preconditionFailed("scalable target", component, t.version())))
                        .switchIfEmpty(Mono.error(() -> ApiException.preconditionFailed("scalable target", component, 0))));
    }

    public Mono<ScalableTargetRecord> targetRecord(String component) {
        return store.findTarget(component).switchIfEmpty(Mono.error(() ->
                ApiException.notFound("scalable target of inference component", component)));
    }

    public Mono<Void> deleteTarget(String component) {
        return store.findPolicies(component).concatMap(p -> store.deletePolicy(component, p.policyName()))
                .then(store.deleteTarget(component))
                .flatMap(ok -> ok ? Mono.<Void>empty()
                        : Mono.error(ApiException.notFound("scalable target of inference component", component)));
    }

    public Mono<ScalingPolicyRecord> putPolicy(String component, String policyName, ScalingPolicyBody body, Long ifMatch) {
        Violations v = new Violations();
        v.check(POLICY_NAME.matcher(policyName).matches(), "policyName",
                "must be 1 to 256 letters, digits, dots, hyphens and underscores");
        ScalingPolicyBody normalized = validatePolicy(policyName, body, v);
        v.throwIfAny();
        Instant now = clock.instant();
        return liveComponent(component)
                .then(store.findTarget(component).switchIfEmpty(Mono.error(() -> ApiException.conflict(
                        "inference component " + component + " has no scalable target; register one first "
                                + "(PUT /v1/inference-components/" + component + "/scaling-target)"))))
                .then(perModelOnlyOnSingleModelVariant(component, toPolicy(policyName, normalized)))
                .then(store.putPolicy(new ScalingPolicyRecord(component, policyName, normalized.policyType(),
                        json.writeValueAsString(normalized), now, now, 0), ifMatch))
                .flatMap(ok -> ok ? getPolicy(component, policyName) : store.findPolicy(component, policyName)
                        .flatMap(p -> Mono.<ScalingPolicyRecord>error(ApiException.preconditionFailed("scaling policy", policyName, p.version())))
                        .switchIfEmpty(Mono.error(() -> ApiException.preconditionFailed("scaling policy", policyName, 0))));
    }

    /**
     * The per-model metric is the whole variant's load, which is one model's only when the variant hosts one
     * component: refused otherwise, naming the others.
     */
    private Mono<Void> perModelOnlyOnSingleModelVariant(String component, ScalingPolicy policy) {
        if (policy.metricType() != MetricType.SageMakerVariantConcurrentRequestsPerModelHighResolution) return Mono.empty();
        return components.find(component).flatMap(c -> components.findByEndpoint(c.endpointName())
                .filter(o -> o.variantName().equals(c.variantName()) && !o.name().equals(component))
                .map(InferenceComponent::name).collectList()
                .flatMap(others -> others.isEmpty() ? Mono.<Void>empty() : Mono.error(ApiException.conflict(
                        MetricType.SageMakerVariantConcurrentRequestsPerModelHighResolution + " measures variant "
                                + c.variantName() + " as one model, but it also hosts " + String.join(", ", others)
                                + "; use SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"))));
    }

    public Mono<ScalingPolicyRecord> getPolicy(String component, String policyName) {
        return store.findPolicy(component, policyName)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("scaling policy", policyName + " of inference component " + component)));
    }

    public Mono<List<ScalingPolicyView>> listPolicies(String component) {
        return components.find(component).switchIfEmpty(Mono.error(() -> ApiException.notFound("inference component", component)))
                .then(store.findPolicies(component).map(this::view).collectList());
    }

    public Mono<Void> deletePolicy(String component, String policyName) {
        return store.deletePolicy(component, policyName).flatMap(ok -> ok ? Mono.<Void>empty()
                : Mono.error(ApiException.notFound("scaling policy", policyName + " of inference component " + component)));
    }

    /** The stored policy as the scaler's value. */
    public ScalingPolicy toPolicy(ScalingPolicyRecord r) {
        return toPolicy(r.policyName(), json.readValue(r.configurationJson(), ScalingPolicyBody.class));
    }

    private Mono<Void> liveComponent(String component) {
        return components.find(component)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("inference component", component)))
                .flatMap(c -> c.status() == ComponentStatus.Deleting
                        ? Mono.error(ApiException.conflict("inference component " + component + " is being deleted"))
                        : Mono.empty());
    }

    /** Validates a policy and fills in its defaults; the violations name each broken rule. */
    static ScalingPolicyBody validatePolicy(String policyName, ScalingPolicyBody body, Violations v) {
        if (!v.required(body.policyType(), "policyType")) return null;
        switch (body.policyType()) {
            case TARGET_TRACKING -> {
                v.check(body.stepScalingPolicyConfiguration() == null, "stepScalingPolicyConfiguration",
                        "must be absent for " + TARGET_TRACKING);
                TargetTrackingBody t = body.targetTrackingScalingPolicyConfiguration();
                if (!v.required(t, "targetTrackingScalingPolicyConfiguration")) return null;
                String at = "targetTrackingScalingPolicyConfiguration.";
                ScalingPolicy.validateTargetValue(at + "targetValue", t.targetValue()).forEach(p -> add(v, p));
                MetricType metric = metric(t.predefinedMetricSpecification(), at, v);
                ScalingPolicy.validateCooldown(at + "scaleOutCooldown", t.scaleOutCooldown()).forEach(p -> add(v, p));
                ScalingPolicy.validateCooldown(at + "scaleInCooldown", t.scaleInCooldown()).forEach(p -> add(v, p));
                return new ScalingPolicyBody(TARGET_TRACKING, new TargetTrackingBody(t.targetValue(),
                        new PredefinedMetricBody(metric == null ? null : metric.name()),
                        orDefault(t.scaleOutCooldown()), orDefault(t.scaleInCooldown()),
                        Boolean.TRUE.equals(t.disableScaleIn())), null);
            }
            case STEP_SCALING -> {
                v.check(body.targetTrackingScalingPolicyConfiguration() == null, "targetTrackingScalingPolicyConfiguration",
                        "must be absent for " + STEP_SCALING);
                StepScalingBody s = body.stepScalingPolicyConfiguration();
                if (!v.required(s, "stepScalingPolicyConfiguration")) return null;
                String at = "stepScalingPolicyConfiguration.";
                MetricType metric = metric(s.predefinedMetricSpecification(), at, v);
                v.required(s.threshold(), at + "threshold");
                if (s.threshold() != null) {
                    v.check(s.threshold() >= 0 && s.threshold() <= 1_000_000, at + "threshold", "must be between 0 and 1000000");
                }
                AdjustmentType type = null;
                if (v.required(s.adjustmentType(), at + "adjustmentType")) {
                    type = EndpointConfigService.oneOf(AdjustmentType.class, s.adjustmentType(), at + "adjustmentType", v);
                }
                boolean stepsPresent = s.stepAdjustments() != null;
                List<StepAdjustmentBody> bodies = stepsPresent ? s.stepAdjustments() : List.of();
                for (int i = 0; i < bodies.size(); i++) {
                    if (bodies.get(i) != null) v.required(bodies.get(i).scalingAdjustment(), at + "stepAdjustments[" + i + "].scalingAdjustment");
                }
                if (type != null && bodies.stream().allMatch(b -> b == null || b.scalingAdjustment() != null)) {
                    ScalingPolicy.validateSteps(at + "stepAdjustments", type, steps(bodies), s.minAdjustmentMagnitude())
                            .forEach(p -> add(v, p.field().startsWith("min") ? new PolicyViolation(at + p.field(), p.rule()) : p));
                }
                ScalingPolicy.validateCooldown(at + "cooldown", s.cooldown()).forEach(p -> add(v, p));
                return new ScalingPolicyBody(STEP_SCALING, null, new StepScalingBody(
                        new PredefinedMetricBody(metric == null ? null : metric.name()), s.threshold(), s.adjustmentType(),
                        bodies, orDefault(s.cooldown()), s.minAdjustmentMagnitude()));
            }
            default -> {
                v.add("policyType", "must be one of [" + TARGET_TRACKING + ", " + STEP_SCALING + "], was '" + body.policyType() + "'");
                return null;
            }
        }
    }

    static ScalingPolicy toPolicy(String name, ScalingPolicyBody b) {
        if (TARGET_TRACKING.equals(b.policyType())) {
            TargetTrackingBody t = b.targetTrackingScalingPolicyConfiguration();
            return new ScalingPolicy.TargetTracking(name, MetricType.valueOf(t.predefinedMetricSpecification().predefinedMetricType()),
                    t.targetValue(), t.scaleOutCooldown(), t.scaleInCooldown(), t.disableScaleIn());
        }
        StepScalingBody s = b.stepScalingPolicyConfiguration();
        return new ScalingPolicy.StepScaling(name, MetricType.valueOf(s.predefinedMetricSpecification().predefinedMetricType()),
                s.threshold(), AdjustmentType.valueOf(s.adjustmentType()), steps(s.stepAdjustments()), s.cooldown(),
                s.minAdjustmentMagnitude());
    }

    private static List<StepAdjustment> steps(List<StepAdjustmentBody> bodies) {
        return bodies.stream().map(b -> b == null ? null : new StepAdjustment(b.metricIntervalLowerBound(),
                b.metricIntervalUpperBound(), b.scalingAdjustment())).toList();
    }

    private static MetricType metric(PredefinedMetricBody m, String at, Violations v) {
        if (v.required(m, at + "predefinedMetricSpecification")
                && v.required(m.predefinedMetricType(), at + "predefinedMetricSpecification.predefinedMetricType")) {
            return EndpointConfigService.oneOf(MetricType.class, m.predefinedMetricType(),
                    at + "predefinedMetricSpecification.predefinedMetricType", v);
        }
        return null;
    }

    private static int orDefault(Integer cooldown) {
        return cooldown == null ? DEFAULT_COOLDOWN_SECONDS : cooldown;
    }

    private static void add(Violations v, PolicyViolation p) {
        v.add(p.field(), p.rule());
    }

    public static ScalableTargetView view(ScalableTargetRecord t) {
        return new ScalableTargetView(t.componentName(), t.minCapacity(), t.maxCapacity(),
                new SuspendedStateBody(t.scaleInSuspended(), t.scaleOutSuspended()), t.creationTime(), t.lastModifiedTime());
    }

    public ScalingPolicyView view(ScalingPolicyRecord r) {
        ScalingPolicyBody b = json.readValue(r.configurationJson(), ScalingPolicyBody.class);
        return new ScalingPolicyView(r.componentName(), r.policyName(), r.policyType(),
                b.targetTrackingScalingPolicyConfiguration(), b.stepScalingPolicyConfiguration(), r.creationTime(),
                r.lastModifiedTime());
    }
}
