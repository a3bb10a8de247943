package dev.kindling.api.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded registry, under {@code kindling.registry.*}. Every value has a default; start-up fails
 * with a message naming the key when one is out of range.
 */
@ConfigurationProperties("kindling.registry")
public record RegistryProperties(@DefaultValue Embedded embedded) {

    public RegistryProperties {
        List<String> errors = new ArrayList<>();
        embedded.check(errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid Kindling configuration: " + String.join("; ", errors));
        }
    }

    /**
     * The embedded registry: an OCI Distribution (ECR-compatible) read API under {@code /v2/} on the control
     * plane's port, filled through {@code POST /v1/registry/imports} and {@code /v1/registry/generated-images}.
     *
     * @param enabled serve the registry and its import API (production points agents at ECR instead)
     * @param dataDirectory where blobs, manifests and tags are kept across restarts (default, also when set
     *        empty: {@code ~/.kindling/registry})
     * @param maxGeneratedImageBytes largest total layer size one generated image may ask for
     * @param maxGeneratedLayers most layers one generated image may ask for
     * @param importRequestTimeoutSeconds longest one request to a source registry may take during an import
     *        (a blob chunk gets the agent's own chunk timeout)
     */
    public record Embedded(
            @DefaultValue("true") boolean enabled,
            Path dataDirectory,
            @DefaultValue("8589934592") long maxGeneratedImageBytes,
            @DefaultValue("128") int maxGeneratedLayers,
            @DefaultValue("60") int importRequestTimeoutSeconds) {

        public Embedded {
            if (dataDirectory == null) {
                dataDirectory = Path.of(System.getProperty("user.home"), ".kindling", "registry");
            }
        }

        void check(List<String> errors) {
            range(errors, "kindling.registry.embedded.max-generated-image-bytes", maxGeneratedImageBytes, 1, 1L << 40);
            range(errors, "kindling.registry.embedded.max-generated-layers", maxGeneratedLayers, 1, 1000);
            range(errors, "kindling.registry.embedded.import-request-timeout-seconds", importRequestTimeoutSeconds, 1, 3600);
        }
    }

    private static void range(List<String> errors, String key, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(key + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
