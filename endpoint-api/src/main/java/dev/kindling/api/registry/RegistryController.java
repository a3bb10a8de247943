package dev.kindling.api.registry;

import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.api.config.RegistryProperties;
import dev.kindling.api.service.ApiException;
import dev.kindling.api.service.Violations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The embedded registry's own API: import an image (from an OCI layout or another registry), generate one of a
 * given shape, list repositories, remove a tag. Refusals are problem documents, like the rest of {@code /v1}.
 */
@RestController
@RequestMapping("/v1/registry")
@ConditionalOnProperty(name = "kindling.registry.embedded.enabled", havingValue = "true", matchIfMissing = true)
public class RegistryController {

    /**
     * @param source {@code oci:<path>[:<ref.name>]} or {@code docker://<host>[:port]/<repository>[:tag|@digest]}
     * @param image where to put it, {@code <repository>[:<tag>]} (tag {@code latest} when left out)
     * @param username for a source registry that asks for credentials (Basic, or Bearer through its token service)
     */
    public record ImportRequest(String source, String image, String username, String password) {
        @Override
        public String toString() {
            return "ImportRequest[source=" + source + ", image=" + image + ", username=" + username + ", password=****]";
        }
    }

    /** @param seed picks the layers' bytes: the same sizes and seed give the same digests (default 0) */
    public record GenerateRequest(String image, List<LayerRequest> layers, Long seed) {}

    /** @param sizeBytes size of the layer's one file of random bytes */
    public record LayerRequest(Long sizeBytes) {}

    /**
     * An image now in the registry.
     *
     * @param reference what an agent pulls: this control plane's host and port, the repository and the tag
     */
    public record ImageView(String repository, String tag, String reference, String digest, String mediaType, int blobs,
                            long bytes, long bytesCopied, double seconds) {}

    public record RepositoryList(List<RegistryStore.Repository> repositories) {}

    private final RegistryStore store;
    private final ImageImporter importer;
    private final ImageGenerator generator;
    private final RegistryProperties.Embedded settings;

    public RegistryController(RegistryStore store, ImageImporter importer, ImageGenerator generator,
                              RegistryProperties properties) {
        this.store = store;
        this.importer = importer;
        this.generator = generator;
        this.settings = properties.embedded();
    }

    @PostMapping("/imports")
    Mono<ResponseEntity<ImageView>> importImage(@RequestBody ImportRequest body, ServerHttpRequest request) {
        return Mono.fromCallable(() -> {
            Violations v = new Violations();
            ImportSource source = null;
            if (v.required(body.source(), "source")) {
                try {
                    source = ImportSource.parse(body.source());
                } catch (IllegalArgumentException e) {
                    v.add("source", e.getMessage());
                }
            }
            ImageName image = image(body.image(), v);
            boolean hasUser = body.username() != null, hasPassword = body.password() != null;
            if (hasUser != hasPassword) v.add(hasUser ? "password" : "username", "is required when the other is given");
            if (hasUser && source instanceof ImportSource.Layout) v.add("username", "applies to docker:// sources only");
            v.throwIfAny();
            RegistryCredentials credentials = hasUser ? RegistryCredentials.fixed(body.username(), body.password())
                    : RegistryCredentials.anonymous();
            return importer.importImage(source, image, credentials);
        }).subscribeOn(Schedulers.boundedElastic()).map(i -> created(i, request));
    }

    @PostMapping("/generated-images")
    Mono<ResponseEntity<ImageView>> generate(@RequestBody GenerateRequest body, ServerHttpRequest request) {
        return Mono.fromCallable(() -> {
            Violations v = new Violations();
            ImageName image = image(body.image(), v);
            List<Long> sizes = new ArrayList<>();
            if (v.required(body.layers(), "layers")
                    && v.check(body.layers().size() <= settings.maxGeneratedLayers(), "layers", "must hold at most "
                    + settings.maxGeneratedLayers() + " layers (kindling.registry.embedded.max-generated-layers)")) {
                long total = 0;
                for (int i = 0; i < body.layers().size(); i++) {
                    LayerRequest l = body.layers().get(i);
                    String field = "layers[" + i + "].sizeBytes";
                    if (v.required(l == null ? null : l.sizeBytes(), field) && v.check(l.sizeBytes() > 0, field, "must be at least 1")) {
                        sizes.add(l.sizeBytes());
                        total = total > Long.MAX_VALUE - l.sizeBytes() ? Long.MAX_VALUE : total + l.sizeBytes();
                    }
                }
                v.check(total <= settings.maxGeneratedImageBytes(), "layers", "must add up to at most "
                        + settings.maxGeneratedImageBytes() + " bytes (kindling.registry.embedded.max-generated-image-bytes), "
                        + "were " + total);
            }
            v.throwIfAny();
            try {
                return generator.generate(image, sizes, body.seed() == null ? 0 : body.seed());
            } catch (IOException e) {
                throw new UncheckedIOException("generating " + image, e);
            }
        }).subscribeOn(Schedulers.boundedElastic()).map(i -> created(i, request));
    }

    @GetMapping("/repositories")
    Mono<RepositoryList> repositories() {
        return Mono.fromCallable(() -> new RepositoryList(store.repositories().stream().map(store::repository).toList()))
                .subscribeOn(Schedulers.boundedElastic());
    }

    /** One repository; its name holds slashes, so the rest of the path is the name. */
    @GetMapping("/repositories/{*repository}")
    Mono<RegistryStore.Repository> repository(@PathVariable String repository) {
        String name = repository.startsWith("/") ? repository.substring(1) : repository;
        return Mono.fromCallable(() -> store.repository(existing(name))).subscribeOn(Schedulers.boundedElastic());
    }

    /** Removes a tag: {@code DELETE /v1/registry/repositories/<repository>/tags/<tag>}. The manifest stays by digest. */
    @DeleteMapping("/repositories/{*path}")
    Mono<ResponseEntity<Void>> untag(@PathVariable String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        int tags = p.lastIndexOf("/tags/");
        if (tags < 0) {
            return Mono.error(ApiException.invalid("path", "must be /v1/registry/repositories/<repository>/tags/<tag>"));
        }
        String name = p.substring(0, tags);
        String tag = p.substring(tags + "/tags/".length());
        return Mono.fromCallable(() -> {
            if (!store.untag(existing(name), tag)) throw ApiException.notFound("tag", name + ":" + tag);
            return ResponseEntity.noContent().<Void>build();
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private String existing(String name) {
        if (!ImageName.validRepository(name)) throw ApiException.invalid("repository", ImageName.REPOSITORY_RULE);
        if (!store.exists(name)) throw ApiException.notFound("repository", name);
        return name;
    }

    private static ImageName image(String value, Violations v) {
        if (!v.required(value, "image")) return null;
        try {
            return ImageName.parse(value);
        } catch (IllegalArgumentException e) {
            v.add("image", e.getMessage().startsWith("must") ? e.getMessage() : "must be <repository>[:<tag>]: " + e.getMessage());
            return null;
        }
    }

    private static ResponseEntity<ImageView> created(ImportedImage i, ServerHttpRequest request) {
        String host = request.getHeaders().getFirst(HttpHeaders.HOST); // the address the caller reached us at
        if (host == null || host.isBlank()) host = "127.0.0.1";
        return ResponseEntity.created(URI.create("/v1/registry/repositories/" + i.repository()))
                .body(new ImageView(i.repository(), i.tag(), host + "/" + i.repository() + ":" + i.tag(), i.digest(),
                        i.mediaType(), i.blobs(), i.bytes(), i.bytesCopied(), i.seconds()));
    }
}
