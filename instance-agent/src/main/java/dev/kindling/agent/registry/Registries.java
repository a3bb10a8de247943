package dev.kindling.agent.registry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registries an agent pulls from: turns what a copy names as its image into a reference, and keeps one client
 * (with its cached auth tokens) per registry host. Images on Amazon ECR hosts can be served by a mirror that holds
 * the same repositories: the embedded registry of a local fleet emulates ECR that way.
 *
 * @see ImageReference#parse(String, String)
 */
public final class Registries implements AutoCloseable {

    /**
     * @param defaultRegistry registry host of images named without one ({@code team/model:1}); null: a host is required
     * @param ecrMirror registry host that serves every ECR host's repositories; null: ECR is reached directly
     * @param credentials credentials per registry host (anonymous, fixed, or ECR tokens)
     * @param requestTimeout timeout of manifest and token requests
     */
    public record Settings(String defaultRegistry, String ecrMirror, RegistryCredentials credentials, Duration requestTimeout) {
        public Settings {
            if (credentials == null) credentials = RegistryCredentials.anonymous();
            if (requestTimeout == null) requestTimeout = Duration.ofSeconds(30);
        }

        /** Straight to each image's own registry, anonymously. */
        public static Settings direct() {
            return new Settings(null, null, RegistryCredentials.anonymous(), Duration.ofSeconds(30));
        }
    }

    private final Settings settings;
    private final Map<String, RegistryClient> clients = new ConcurrentHashMap<>();

    public Registries(Settings settings) {
        this.settings = settings;
    }

    /** The reference a copy's image names; throws IllegalArgumentException saying what is wrong with it. */
    public ImageReference reference(String image) {
        return ImageReference.parse(image, settings.defaultRegistry());
    }

    /** The reference as it is pulled: on the ECR mirror when the image lives on ECR and a mirror is set. */
    public ImageReference route(ImageReference ref) {
        if (settings.ecrMirror() != null && EcrCredentials.ECR_HOSTS.test(ref.registry())) {
            return ref.onRegistry(settings.ecrMirror());
        }
        return ref;
    }

    /** The client for the registry that serves {@code routed} (a reference {@link #route} returned). */
    public RegistryClient client(ImageReference routed) {
        return clients.computeIfAbsent(routed.registry(),
                host -> RegistryClient.forReference(routed, settings.credentials(), settings.requestTimeout()));
    }

    @Override
    public void close() {
        clients.values().forEach(RegistryClient::close);
        clients.clear();
    }
}
