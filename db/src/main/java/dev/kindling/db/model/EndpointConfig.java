package dev.kindling.db.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** An immutable endpoint configuration. */
public record EndpointConfig(String name, List<ProductionVariant> productionVariants, Instant creationTime) {

    public EndpointConfig {
        productionVariants = List.copyOf(productionVariants);
    }

    public Optional<ProductionVariant> variant(String variantName) {
        return productionVariants.stream().filter(v -> v.variantName().equals(variantName)).findFirst();
    }
}
