package dev.kindling.db.model;

import java.util.Map;

/** What a copy runs: an image, the model artifact it loads, and its environment. */
public record Container(String image, String artifactUrl, Map<String, String> environment) {

    public Container {
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }
}
