package dev.kindling.api.registry;

import dev.kindling.agent.registry.Digest;
import dev.kindling.api.registry.internal.RangeRequest;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OCI Distribution read API (what ECR, and any registry, answers to {@code docker pull}) over the embedded
 * registry: the API check, manifests and blobs by GET and HEAD, blob ranges, tag lists and the catalog. Repository
 * names hold slashes, so one mapping takes every {@code /v2/} path and reads the route from its tail. Pushes are
 * refused with UNSUPPORTED: images come in through the import API. Every refusal has the spec's error shape,
 * never a problem document.
 */
@RestController
@ConditionalOnProperty(name = "kindling.registry.embedded.enabled", havingValue = "true", matchIfMissing = true)
public class DistributionController {

    private static final Logger log = LoggerFactory.getLogger(DistributionController.class);
    static final String API_VERSION_HEADER = "Docker-Distribution-API-Version";
    static final String DIGEST_HEADER = "Docker-Content-Digest";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RegistryStore store;

    public DistributionController(RegistryStore store) {
        this.store = store;
    }

    @RequestMapping("/v2/**")
    Mono<Void> serve(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpResponse response = exchange.getResponse();
        response.getHeaders().set(API_VERSION_HEADER, "registry/2.0");
        return Mono.defer(() -> route(request, response))
                .onErrorResume(e -> {
                    if (response.isCommitted()) {
                        // Mid-body (a client that hung up during a blob): nothing can be said any more.
                        log.atDebug().addKeyValue("path", request.getPath().value()).log("Response cut short: {}", e.toString());
                        return Mono.error(e);
                    }
                    if (e instanceof DistributionException d) return error(response, d);
                    log.atError().addKeyValue("path", request.getPath().value()).setCause(e).log("Registry request failed");
                    return error(response, DistributionException.unknown("the registry failed to handle this request; "
                            + "it has been logged"));
                });
    }

    private Mono<Void> route(ServerHttpRequest request, ServerHttpResponse response) {
        String path = request.getPath().pathWithinApplication().value();
        HttpMethod method = request.getMethod();
        boolean head = HttpMethod.HEAD.equals(method);
        List<String> s = segments(request.getPath().pathWithinApplication());
        int n = s.size();
        boolean upload = n >= 3 && (s.get(n - 2).equals("uploads") && s.get(n - 3).equals("blobs")
                || s.get(n - 1).equals("uploads") && s.get(n - 2).equals("blobs"));
        if (!head && !HttpMethod.GET.equals(method)) {
            response.getHeaders().setAllow(java.util.Set.of(HttpMethod.GET, HttpMethod.HEAD));
            throw DistributionException.unsupported(method.name(), path);
        }
        if (n == 0) return json(response, head, Map.of());
        if (n == 1 && s.getFirst().equals("_catalog")) {
            return blocking(store::repositories).flatMap(all -> page(request, response, head, "/v2/_catalog", all,
                    items -> Map.of("repositories", items)));
        }
        if (upload) {
            String name = String.join("/", s.subList(0, s.lastIndexOf("blobs")));
            throw DistributionException.uploadUnknown(name);
        }
        if (n >= 3 && s.get(n - 2).equals("tags") && s.get(n - 1).equals("list")) {
            String name = name(s, n - 2);
            return blocking(() -> store.tags(name)).flatMap(tags -> page(request, response, head,
                    "/v2/" + name + "/tags/list", tags, items -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("name", name);
                        body.put("tags", items);
                        return body;
                    }));
        }
        if (n >= 3 && s.get(n - 2).equals("manifests")) {
            return manifest(name(s, n - 2), s.get(n - 1), head, response);
        }
        if (n >= 3 && s.get(n - 2).equals("blobs")) {
            return blob(name(s, n - 2), s.get(n - 1), head, request.getHeaders().getFirst(HttpHeaders.RANGE), response);
        }
        throw DistributionException.routeUnknown(path);
    }

    /** The decoded path segments after {@code /v2}. */
    private static List<String> segments(PathContainer path) {
        List<String> out = new ArrayList<>();
        for (PathContainer.Element e : path.elements()) {
            if (e instanceof PathContainer.PathSegment segment && !segment.valueToMatch().isEmpty()) {
                out.add(segment.valueToMatch());
            }
        }
        return out.subList(1, out.size()); // drop "v2"
    }

    private static String name(List<String> segments, int end) {
        String name = String.join("/", segments.subList(0, end));
        if (!ImageName.validRepository(name)) throw DistributionException.nameInvalid(name);
        return name;
    }

    private Mono<Void> manifest(String name, String reference, boolean head, ServerHttpResponse response) {
        return blocking(() -> {
            RegistryStore.StoredManifest m = store.manifest(name, reference);
            try {
                return new ManifestBody(m, head ? null : Files.readAllBytes(m.file()));
            } catch (NoSuchFileException e) {
                throw DistributionException.manifestUnknown(name, reference);
            }
        }).flatMap(b -> {
            HttpHeaders h = response.getHeaders();
            h.setContentType(MediaType.parseMediaType(b.manifest.mediaType()));
            h.set(DIGEST_HEADER, b.manifest.digest().toString());
            h.setETag("\"" + b.manifest.digest() + "\"");
            h.setContentLength(b.manifest.size());
            if (head) return response.setComplete();
            return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(b.bytes)));
        });
    }

    private record ManifestBody(RegistryStore.StoredManifest manifest, byte[] bytes) {}

    private Mono<Void> blob(String name, String digestText, boolean head, String range, ServerHttpResponse response) {
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (IllegalArgumentException e) {
            throw DistributionException.digestInvalid(digestText, "must be sha256:<64 lower-case hex digits>");
        }
        return blocking(() -> store.blob(name, digest)).flatMap(b -> {
            HttpHeaders h = response.getHeaders();
            // HEAD answers for the whole blob: ranges are defined for GET only (RFC 9110 §14.2).
            RangeRequest r = head ? new RangeRequest.Whole() : RangeRequest.of(range, b.size());
            if (r instanceof RangeRequest.Unsatisfiable) {
                h.set(HttpHeaders.CONTENT_RANGE, "bytes */" + b.size());
                throw DistributionException.rangeInvalid(range, b.size());
            }
            h.setContentType(MediaType.APPLICATION_OCTET_STREAM);
            h.set(DIGEST_HEADER, digest.toString());
            h.setETag("\"" + digest + "\"");
            h.set(HttpHeaders.ACCEPT_RANGES, "bytes");
            if (r instanceof RangeRequest.Part p) {
                response.setStatusCode(HttpStatus.PARTIAL_CONTENT);
                h.set(HttpHeaders.CONTENT_RANGE, "bytes " + p.first() + "-" + p.last() + "/" + b.size());
                h.setContentLength(p.length());
                return send(response, b.file(), p.first(), p.length());
            }
            h.setContentLength(b.size());
            if (head) return response.setComplete();
            return send(response, b.file(), 0, b.size());
        });
    }

    /**
     * Sends bytes of a file. On Netty the kernel copies them to the socket (sendfile): blob bytes never pass
     * through the JVM heap. A server that cannot do that gets the bytes read in 64 KiB buffers.
     */
    private static Mono<Void> send(ServerHttpResponse response, Path file, long position, long count) {
        if (count == 0) return response.setComplete();
        if (response instanceof ZeroCopyHttpOutputMessage zeroCopy) {
            return zeroCopy.writeWith(file, position, count);
        }
        return response.writeWith(DataBufferUtils.takeUntilByteCount(DataBufferUtils.readAsynchronousFileChannel(
                () -> AsynchronousFileChannel.open(file, StandardOpenOption.READ), position, response.bufferFactory(),
                1 << 16), count));
    }

    /** A page of a sorted list, as {@code ?n=&last=} ask, with a Link to the next page when there is one. */
    private static Mono<Void> page(ServerHttpRequest request, ServerHttpResponse response, boolean head, String path,
                                   List<String> all, java.util.function.Function<List<String>, Map<String, Object>> body) {
        String nText = request.getQueryParams().getFirst("n");
        String last = request.getQueryParams().getFirst("last");
        List<String> items = all;
        if (last != null && !last.isEmpty()) items = items.stream().filter(i -> i.compareTo(last) > 0).toList();
        if (nText != null && !nText.isEmpty()) {
            int n;
            try {
                n = Integer.parseInt(nText);
            } catch (NumberFormatException e) {
                throw DistributionException.paginationInvalid(nText);
            }
            if (n < 0) throw DistributionException.paginationInvalid(nText);
            if (items.size() > n) {
                items = items.subList(0, n);
                if (n > 0) {
                    response.getHeaders().set(HttpHeaders.LINK, "<" + path + "?n=" + n + "&last="
                            + items.getLast() + ">; rel=\"next\"");
                }
            }
        }
        return json(response, head, body.apply(items));
    }

    private static Mono<Void> error(ServerHttpResponse response, DistributionException e) {
        response.setStatusCode(HttpStatus.valueOf(e.status()));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("code", e.code().name());
        entry.put("message", e.getMessage());
        entry.put("detail", e.detail());
        return json(response, false, Map.of("errors", List.of(entry)));
    }

    private static Mono<Void> json(ServerHttpResponse response, boolean head, Object body) {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(bytes.length);
        if (head) return response.setComplete();
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
    }

    /** Store reads touch the disk: off the event loop. */
    private static <T> Mono<T> blocking(Callable<T> call) {
        return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
    }
}
