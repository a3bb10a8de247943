package dev.kindling.agent.cache.volume;

import dev.kindling.agent.internal.Json;
import java.util.List;
import java.util.TreeSet;

/**
 * What a cache volume must hold: image references (as copies name them) and model artifact URLs. Read from JSON as
 * the control plane stores an endpoint's plan: {@code {"images":[...],"models":[...]}}.
 */
public record VolumePlan(List<String> images, List<String> models) {

    public VolumePlan {
        images = images == null ? List.of() : List.copyOf(new TreeSet<>(images));
        models = models == null ? List.of() : List.copyOf(new TreeSet<>(models));
    }

    public static VolumePlan fromJson(String json) {
        return Json.read(json, VolumePlan.class);
    }
}
