package dev.kindling.api.config;

import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.api.registry.ImageGenerator;
import dev.kindling.api.registry.ImageImporter;
import dev.kindling.api.registry.RegistryStore;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The embedded registry (on unless {@code kindling.registry.embedded.enabled=false}): its store, importer, generator. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "kindling.registry.embedded.enabled", havingValue = "true", matchIfMissing = true)
public class RegistryConfiguration {

    @Bean
    RegistryStore registryStore(RegistryProperties properties) {
        try {
            return new RegistryStore(properties.embedded().dataDirectory());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("kindling.registry.embedded.data-directory: " + e.getMessage(), e);
        }
    }

    @Bean
    ImageImporter imageImporter(RegistryStore store, RegistryProperties properties) {
        return new ImageImporter(store, Duration.ofSeconds(properties.embedded().importRequestTimeoutSeconds()),
                FetchSettings.DEFAULTS);
    }

    @Bean
    ImageGenerator imageGenerator(RegistryStore store) {
        return new ImageGenerator(store);
    }
}
