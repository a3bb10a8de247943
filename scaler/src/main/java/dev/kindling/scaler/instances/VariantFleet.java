package dev.kindling.scaler.instances;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the instance scaler needs to know about one variant: its instance bounds, how long an instance must sit
 * idle before release, the copies that found no room, and its instances.
 *
 * @param unplacedCopies         copies the placer could not fit on any instance
 * @param copiesPerEmptyInstance how many of those copies fit on one empty instance of the variant's type
 */
public record VariantFleet(
        String variantName,
        int minInstances,
        int maxInstances,
        Duration scaleInCooldown,
        int unplacedCopies,
        int copiesPerEmptyInstance,
        List<FleetInstance> instances) {

    public VariantFleet {
        Objects.requireNonNull(variantName, "variantName");
        Objects.requireNonNull(scaleInCooldown, "scaleInCooldown");
        if (minInstances < 0 || maxInstances < minInstances) {
            throw new IllegalArgumentException("variant " + variantName + ": instance bounds must satisfy "
                    + "0 <= min <= max, were " + minInstances + " and " + maxInstances);
        }
        if (scaleInCooldown.isNegative()) {
            throw new IllegalArgumentException("variant " + variantName + ": scaleInCooldown must not be negative");
        }
        if (unplacedCopies < 0 || copiesPerEmptyInstance < 1) {
            throw new IllegalArgumentException("variant " + variantName + ": unplacedCopies must be 0 or more and "
                    + "copiesPerEmptyInstance 1 or more, were " + unplacedCopies + " and " + copiesPerEmptyInstance);
        }
        instances = List.copyOf(instances);
    }
}
