package dev.kindling.cache.endpoint;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What one endpoint's cache volume must hold: every distinct image its inference components reference, and the model
 * artifacts of the components that keep their model in the cache. Sorted and without duplicates, so two plans of the
 * same components are equal however the components were listed.
 */
public record EndpointCachePlan(List<String> images, List<String> models) {

    public static final EndpointCachePlan EMPTY = new EndpointCachePlan(List.of(), List.of());

    public EndpointCachePlan {
        images = List.copyOf(new TreeSet<>(Objects.requireNonNull(images, "images")));
        models = List.copyOf(new TreeSet<>(Objects.requireNonNull(models, "models")));
    }

    /** One inference component as the plan sees it. */
    public record ComponentSources(String image, String artifactUrl, boolean modelCached) {}

    public static EndpointCachePlan of(List<ComponentSources> components) {
        TreeSet<String> images = new TreeSet<>();
        TreeSet<String> models = new TreeSet<>();
        for (ComponentSources c : components) {
            if (c.image() != null && !c.image().isBlank()) images.add(c.image());
            if (c.modelCached() && c.artifactUrl() != null && !c.artifactUrl().isBlank()) models.add(c.artifactUrl());
        }
        return new EndpointCachePlan(List.copyOf(images), List.copyOf(models));
    }

    public boolean isEmpty() {
        return images.isEmpty() && models.isEmpty();
    }
}
