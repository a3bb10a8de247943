package dev.kindling.api.scaling;

import dev.kindling.api.metrics.ScalingMetrics;
import dev.kindling.db.model.InferenceComponent;
import dev.kindling.db.model.ScalingEvent;
import dev.kindling.db.model.ScalingPolicyRecord;
import dev.kindling.db.store.ScalingEventStore;
import dev.kindling.db.store.ScalingEventStore.EventCopy;
import dev.kindling.db.store.ScalingStore;
import dev.kindling.scaler.policy.ScalingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's side of scaling events: it tells which open scale-out a newly placed copy or launched instance
 * belongs to, brings every open scale-out up to date after each pass ({@link ScaleOutTracker}), exports the ones
 * that complete, and reads the scale-in cooldown managed instance scaling waits for on each endpoint.
 */
public final class ScaleOutFollower {

    private static final Logger log = LoggerFactory.getLogger(ScaleOutFollower.class);
    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

    private final ScalingEventStore events;
    private final ScalingStore scaling;
    private final Function<ScalingPolicyRecord, ScalingPolicy> policies;
    private final ScalingMetrics metrics;
    private final Duration giveUpAfter;

    public ScaleOutFollower(ScalingEventStore events, ScalingStore scaling,
                            Function<ScalingPolicyRecord, ScalingPolicy> policies, ScalingMetrics metrics,
                            Duration giveUpAfter) {
        this.events = events;
        this.scaling = scaling;
        this.policies = policies;
        this.metrics = metrics;
        this.giveUpAfter = giveUpAfter;
    }

    /** Links for one reconcile pass: open scale-outs and how many copies each still waits for. */
    public final class Pass {
        private final List<ScalingEvent> open;
        private final Map<String, Integer> linked;

        Pass(List<ScalingEvent> open, Map<String, Integer> linked) {
            this.open = open;
            this.linked = new HashMap<>(linked);
        }

        /** The oldest open scale-out of the component that still waits for a copy, or null. */
        public String forCopy(String component) {
            for (ScalingEvent e : open) {
                if (e.componentName().equals(component) && linked.getOrDefault(e.id(), 0) < e.added()) {
                    linked.merge(e.id(), 1, Integer::sum);
                    return e.id();
                }
            }
            return null;
        }

        /** The oldest open scale-out on the endpoint's variant (a launch there is for its copies), or null. */
        public String forInstance(String endpoint, String variant) {
            for (ScalingEvent e : open) {
                if (e.endpointName().equals(endpoint) && e.variantName().equals(variant)) return e.id();
            }
            return null;
        }
    }

    public Pass startPass() {
        List<ScalingEvent> open = events.findInProgress().collectList().block(DB_TIMEOUT);
        if (open.isEmpty()) return new Pass(List.of(), Map.of());
        Map<String, Integer> linked = events.findEventCopies(open.stream().map(ScalingEvent::id).toList())
                .filter(c -> !"Failed".equals(c.status()))
                .collectList().block(DB_TIMEOUT).stream()
                .collect(Collectors.groupingBy(EventCopy::eventId, Collectors.summingInt(c -> 1)));
        return new Pass(open, linked);
    }

    /**
     * Brings the pass's open scale-outs up to date (their copies read again: the pass placed some); exports those
     * that completed. Events the scaler opened meanwhile are followed from the next pass.
     */
    public void follow(Pass pass, Instant now) {
        List<ScalingEvent> open = pass.open;
        if (open.isEmpty()) return;
        List<String> ids = open.stream().map(ScalingEvent::id).toList();
        Map<String, List<EventCopy>> copies = events.findEventCopies(ids).collectList().block(DB_TIMEOUT).stream()
                .collect(Collectors.groupingBy(EventCopy::eventId));
        Map<String, Instant> lastScaleIn = new HashMap<>();
        for (ScalingEvent e : open) {
            if (!lastScaleIn.containsKey(e.componentName())) {
                Instant[] last = events.lastScaleTimes(e.componentName()).block(DB_TIMEOUT);
                lastScaleIn.put(e.componentName(), last == null ? null : last[1]);
            }
            ScalingEvent updated = ScaleOutTracker.track(e, copies.getOrDefault(e.id(), List.of()),
                    lastScaleIn.get(e.componentName()), now, giveUpAfter);
            if (updated.equals(e)) continue;
            if (Boolean.TRUE.equals(events.updateProgress(updated).block(DB_TIMEOUT))
                    && updated.status() != ScalingEvent.Status.InProgress) {
                metrics.completed(updated);
                log.atInfo().addKeyValue("endpoint", e.endpointName()).addKeyValue("component", e.componentName())
                        .addKeyValue("event", e.id()).addKeyValue("status", updated.status())
                        .addKeyValue("imageTier", updated.imageTier()).addKeyValue("modelTier", updated.modelTier())
                        .log("Scale-out {} from {} to {} copies", updated.status(), e.fromCopies(), e.toCopies());
            }
        }
    }

    /**
     * Per endpoint, the longest scale-in cooldown of its components' policies: managed instance scaling keeps an
     * idle instance that long, since copies scaled in may come back within it.
     */
    public Map<String, Duration> scaleInCooldowns(List<InferenceComponent> components) {
        Map<String, String> endpointOf = components.stream()
                .collect(Collectors.toMap(InferenceComponent::name, InferenceComponent::endpointName, (a, b) -> a));
        Map<String, Duration> out = new HashMap<>();
        List<ScalingPolicyRecord> all = scaling.findAllPolicies().collectList().block(DB_TIMEOUT);
        for (ScalingPolicyRecord r : all == null ? new ArrayList<ScalingPolicyRecord>() : all) {
            String endpoint = endpointOf.get(r.componentName());
            if (endpoint == null) continue;
            int seconds = switch (policies.apply(r)) {
                case ScalingPolicy.TargetTracking t -> t.scaleInCooldownSeconds();
                case ScalingPolicy.StepScaling s -> s.cooldownSeconds();
            };
            out.merge(endpoint, Duration.ofSeconds(seconds), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        return out;
    }
}
