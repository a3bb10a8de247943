package dev.kindling.load;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Where the time of one measured scale-out went, in real seconds, read from the API: the new copy as
 * {@code GET /v1/inference-components/{name}/copies} lists it (its start's phases and tiers) and the instance it
 * landed on as {@code GET /v1/instances/{id}} shows it. Its segments follow each other and add up to the total.
 *
 * @param newInstance whether the copy landed on an instance launched for it
 * @param launchSeconds request until the instance was launched (0 on an existing instance)
 * @param provisionSeconds launched until its agent registered (0 on an existing instance)
 * @param assignSeconds registered (or, on an existing instance, requested) until the copy began fetching: placement
 *        and the heartbeat that carries the assignment
 * @param imageSeconds the image phase alone; {@code modelSeconds} the model's, which ran beside it
 * @param fetchSeconds from the first of the two phases' start to the last one's end
 * @param startSeconds fetched until healthy: container start and health check
 * @param reportingSeconds healthy until the control plane had the copy InService (the agent's next heartbeat)
 * @param tierBytes bytes served per artifact and tier, keyed {@code image/registry}, {@code model/s3}, ...
 */
public record ScaleOutTiming(boolean newInstance, double launchSeconds, double provisionSeconds, double assignSeconds,
                             double imageSeconds, double modelSeconds, double fetchSeconds, double startSeconds,
                             double reportingSeconds, double totalSeconds, Map<String, Long> tierBytes) {

    public ScaleOutTiming {
        tierBytes = Map.copyOf(tierBytes);
    }

    /** Control plane and agent reactions: everything that is neither provision, fetch nor start. */
    public double otherSeconds() {
        return launchSeconds + assignSeconds + reportingSeconds;
    }

    /**
     * Reads the timing of {@code copy} (a copies-API item, InService with its startup reported), requested at
     * {@code requestedAt}, on {@code instance} (an instances-API item) that was launched for it or not.
     */
    public static ScaleOutTiming of(Instant requestedAt, JsonNode copy, JsonNode instance, boolean newInstance) {
        String copyId = copy.path("copyId").asString();
        Instant readyAt = instant(copy, "readyAt", "copy " + copyId);
        JsonNode startup = copy.path("startup");
        Instant fetchStart = null, fetchEnd = null, startStart = null, healthy = null;
        double image = 0, model = 0;
        for (JsonNode phase : startup.path("phases")) {
            String name = phase.path("name").asString();
            Instant started = instant(phase, "startedAt", "phase " + name + " of copy " + copyId);
            Instant ended = instant(phase, "endedAt", "phase " + name + " of copy " + copyId);
            switch (name) {
                case "image", "model" -> {
                    fetchStart = fetchStart == null || started.isBefore(fetchStart) ? started : fetchStart;
                    fetchEnd = fetchEnd == null || ended.isAfter(fetchEnd) ? ended : fetchEnd;
                    if (name.equals("image")) image = seconds(started, ended);
                    else model = seconds(started, ended);
                }
                case "container-start" -> startStart = started;
                case "health-check" -> healthy = ended;
                default -> { } // a phase a newer agent reports: inside the segments around it
            }
        }
        if (fetchStart == null) throw new IllegalArgumentException("copy " + copyId + " reported no image or model phase: " + startup);
        if (startStart == null) startStart = fetchEnd;
        if (healthy == null) healthy = startStart;

        double launch = 0, provision = 0, assign;
        if (newInstance) {
            String id = instance.path("instanceId").asString();
            Instant launched = instant(instance, "launchedAt", "instance " + id);
            Instant registered = instant(instance, "registeredAt", "instance " + id);
            launch = seconds(requestedAt, launched);
            provision = seconds(launched, registered);
            assign = seconds(registered, fetchStart);
        } else {
            assign = seconds(requestedAt, fetchStart);
        }
        Map<String, Long> tiers = new LinkedHashMap<>();
        for (JsonNode t : startup.path("tiers")) {
            tiers.merge(t.path("artifact").asString() + "/" + t.path("tier").asString(), t.path("bytes").asLong(), Long::sum);
        }
        return new ScaleOutTiming(newInstance, launch, provision, assign, image, model, seconds(fetchStart, fetchEnd),
                seconds(fetchEnd, healthy), seconds(healthy, readyAt), seconds(requestedAt, readyAt), tiers);
    }

    /** Bytes of {@code artifact} per tier that served it. */
    public Map<String, Long> tierBytes(String artifact) {
        Map<String, Long> out = new LinkedHashMap<>();
        tierBytes.forEach((key, bytes) -> {
            if (key.startsWith(artifact + "/")) out.put(key.substring(artifact.length() + 1), bytes);
        });
        return out;
    }

    /** The tier that served most of {@code artifact}'s bytes, or null when none did. */
    public String mainTier(String artifact) {
        return tierBytes(artifact).entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    private static Instant instant(JsonNode node, String field, String what) {
        JsonNode v = node.path(field);
        if (!v.isString()) throw new IllegalArgumentException(what + " has no " + field + ": " + node);
        return Instant.parse(v.asString());
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }
}
