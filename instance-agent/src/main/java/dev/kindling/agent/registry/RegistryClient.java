package dev.kindling.agent.registry;

import dev.kindling.agent.internal.Hashes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.HttpURLConnection;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Talks to one registry host over the OCI Distribution API: pulls manifests (negotiating OCI and Docker media
 * types, resolving an index to linux/amd64, checking digests) and reads blob ranges. Authenticates as the
 * registry's challenge asks: Basic with the credentials given, or Bearer with a token fetched from the
 * challenge's realm (with those credentials, if any) and cached per scope.
 */
public final class RegistryClient implements AutoCloseable {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    private static final String ACCEPT = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String registry;
    private final URI base;
    private final RegistryCredentials credentials;
    private final Duration requestTimeout;
    private final HttpClient http;
    /** Authorization header per scope ("repository:x:pull"), once a challenge was answered. */
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    /**
     * @param plainHttp speak HTTP instead of HTTPS (a registry on loopback, as in tests and the embedded default)
     */
    public RegistryClient(String registry, boolean plainHttp, RegistryCredentials credentials, Duration requestTimeout) {
        this.registry = registry;
        this.base = URI.create((plainHttp ? "http://" : "https://") + registry);
        this.credentials = credentials;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** A client for the registry of {@code ref}; loopback registries are spoken to over plain HTTP. */
    public static RegistryClient forReference(ImageReference ref, RegistryCredentials credentials, Duration timeout) {
        String host = ref.registry().replaceFirst(":\\d+$", "");
        boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
        return new RegistryClient(ref.registry(), loopback, credentials, timeout);
    }

    public String registry() {
        return registry;
    }

    /** Pulls the image's manifest; an index or manifest list is resolved to its linux/amd64 manifest. */
    public Manifest pullManifest(ImageReference ref) {
        return pullManifestWithBytes(ref).manifest();
    }

    /** A pulled manifest and its bytes exactly as the registry sent them (they hash to the manifest's digest). */
    public record PulledManifest(Manifest manifest, byte[] bytes) {}

    /**
     * Pulls the image's manifest like {@link #pullManifest}, keeping its bytes: copying an image to another
     * registry must store the manifest byte for byte, or its digest changes.
     */
    public PulledManifest pullManifestWithBytes(ImageReference ref) {
        String doing = "pulling manifest " + ref.manifestReference() + " of " + registry + "/" + ref.repository();
        Raw raw = getManifest(ref.repository(), ref.manifestReference(), ref.digest(), doing);
        if (raw.mediaType.equals(OCI_INDEX) || raw.mediaType.equals(DOCKER_LIST)) {
            Digest platform = pickLinuxAmd64(raw, doing);
            raw = getManifest(ref.repository(), platform.toString(), platform, doing + " (linux/amd64 " + platform + ")");
        }
        if (!raw.mediaType.equals(OCI_MANIFEST) && !raw.mediaType.equals(DOCKER_MANIFEST)) {
            throw new RegistryException(doing + ": unsupported manifest type " + raw.mediaType, 0);
        }
        JsonNode config = raw.json.path("config");
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : raw.json.path("layers")) {
            layers.add(descriptor(l, doing));
        }
        return new PulledManifest(new Manifest(raw.digest, raw.mediaType, descriptor(config, doing), layers), raw.bytes);
    }

    /**
     * A platform manifest from its bytes as stored elsewhere (a cache volume keeps them as a blob); its digest is
     * their SHA-256, so a caller that expected one compares. An index, or anything but a manifest, is refused.
     */
    public static Manifest manifestOf(byte[] bytes) {
        String doing = "reading a stored manifest";
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (RuntimeException e) {
            throw new RegistryException(doing + ": not JSON", 0, e);
        }
        String type = json.path("mediaType").asString("");
        if (type.isEmpty() && !json.has("manifests")) type = OCI_MANIFEST;
        if (!type.equals(OCI_MANIFEST) && !type.equals(DOCKER_MANIFEST)) {
            throw new RegistryException(doing + ": unsupported manifest type " + type, 0);
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : json.path("layers")) layers.add(descriptor(l, doing));
        return new Manifest(Digest.of(Hashes.sha256().digest(bytes)), type, descriptor(json.path("config"), doing), layers);
    }

    private record Raw(String mediaType, Digest digest, JsonNode json, byte[] bytes) {}

    private Raw getManifest(String repository, String reference, Digest expected, String doing) {
        HttpResponse<byte[]> r = send(repository, "/v2/" + repository + "/manifests/" + reference, Map.of("Accept", ACCEPT),
                doing);
        if (r.statusCode() == 404) {
            throw new RegistryException(doing + ": no such manifest (HTTP 404)", 404);
        }
        check(r, doing);
        Digest actual = Digest.of(Hashes.sha256().digest(r.body()));
        if (expected != null && !expected.equals(actual)) {
            throw new RegistryException(doing + ": manifest digest mismatch, got " + actual, 0);
        }
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (RuntimeException e) {
            throw new RegistryException(doing + ": manifest is not JSON", 0, e);
        }
        String type = r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse("");
        if (!List.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST).contains(type)) {
            type = json.path("mediaType").asString("");
        }
        if (type.isEmpty()) {
            type = json.has("manifests") ? OCI_INDEX : OCI_MANIFEST;
        }
        return new Raw(type, actual, json, r.body());
    }

    private static Digest pickLinuxAmd64(Raw index, String doing) {
        for (JsonNode m : index.json.path("manifests")) {
            JsonNode p = m.path("platform");
            if ("linux".equals(p.path("os").asString("")) && "amd64".equals(p.path("architecture").asString(""))) {
                return Digest.parse(m.path("digest").asString(""));
            }
        }
        // 404, not 0: the image exists but not for this platform, and asking again will not change that.
        throw new RegistryException(doing + ": the index has no linux/amd64 manifest", 404);
    }

    private static Descriptor descriptor(JsonNode n, String doing) {
        try {
            return new Descriptor(n.path("mediaType").asString(""), Digest.parse(n.path("digest").asString("")),
                    n.path("size").asLong(-1));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(doing + ": bad descriptor " + n, 0, e);
        }
    }

    /**
     * Opens bytes [offset, offset + length) of a blob. A read that waits longer than {@code readTimeout} for the
     * next bytes fails. The caller reads and closes the stream. A registry that ignores Range (200 instead of 206)
     * is refused unless the range is the whole blob.
     *
     * <p>Blob bytes go through HttpURLConnection rather than the JDK HttpClient: on this kind of machine it moves
     * several times more bytes per CPU second (see BENCHMARKS.md), and its read timeout bounds a stalled body.
     * Redirects (ECR sends blobs to presigned S3 URLs) are followed without the registry's credentials.
     */
    public InputStream openBlobRange(String repository, Digest digest, long offset, long length, long blobSize,
                                     Duration readTimeout) {
        String doing = "pulling blob " + digest + " of " + registry + "/" + repository + " (bytes " + offset + "+" + length + ")";
        String scope = "repository:" + repository + ":pull";
        URI target = base.resolve("/v2/" + repository + "/blobs/" + digest);
        String authorization = authorizations.get(scope);
        boolean answeredChallenge = false;
        for (int hop = 0; hop < 6; hop++) {
            HttpURLConnection c;
            int status;
            try {
                c = (HttpURLConnection) target.toURL().openConnection();
                c.setInstanceFollowRedirects(false);
                c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()));
                c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
                c.setRequestProperty("Range", "bytes=" + offset + "-" + (offset + length - 1));
                if (authorization != null) c.setRequestProperty("Authorization", authorization);
                status = c.getResponseCode();
            } catch (IOException e) {
                throw new RegistryException(doing + ": " + e, 0, e);
            }
            if (status == 206 || (status == 200 && offset == 0 && length == blobSize)) {
                try {
                    return c.getInputStream();
                } catch (IOException e) {
                    throw new RegistryException(doing + ": " + e, 0, e);
                }
            }
            drain(c);
            if (status == 401 && !answeredChallenge && hop == 0) {
                authorization = answer(Challenge.parse(c.getHeaderField("WWW-Authenticate")), scope, doing);
                authorizations.put(scope, authorization);
                answeredChallenge = true;
                hop--;
                continue;
            }
            if (status / 100 == 3 && c.getHeaderField("Location") != null) {
                target = target.resolve(c.getHeaderField("Location"));
                authorization = null; // a redirect target (presigned storage URL) must not see registry credentials
                continue;
            }
            if (status == 200) {
                throw new RegistryException(doing + ": the registry ignored the Range header", 200);
            }
            if (status == 401 || status == 403) {
                throw new RegistryException(doing + ": the registry refused our credentials (HTTP " + status + ")", status);
            }
            throw new RegistryException(doing + ": HTTP " + status, status);
        }
        throw new RegistryException(doing + ": too many redirects", 0);
    }

    private static void drain(HttpURLConnection c) {
        try (InputStream err = c.getErrorStream() != null ? c.getErrorStream() : c.getInputStream()) {
            err.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // an error body we do not need; the connection is simply not reused
        }
    }

    /** Sends a GET, answering one auth challenge if the registry asks. */
    private HttpResponse<byte[]> send(String repository, String path, Map<String, String> headers, String doing) {
        String scope = "repository:" + repository + ":pull";
        HttpResponse<byte[]> r = get(path, headers, authorizations.get(scope), doing);
        if (r.statusCode() != 401) return r;
        Challenge challenge = Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(""));
        String authorization = answer(challenge, scope, doing);
        authorizations.put(scope, authorization);
        r = get(path, headers, authorization, doing);
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new RegistryException(doing + ": the registry refused our credentials (HTTP " + r.statusCode() + ")",
                    r.statusCode());
        }
        return r;
    }

    private String answer(Challenge challenge, String scope, String doing) {
        Optional<RegistryCredentials.Basic> basic = credentials.forRegistry(registry);
        if (challenge.basic()) {
            return basic.orElseThrow(() -> new RegistryException(doing + ": the registry asks for Basic auth and no "
                    + "credentials are configured for " + registry, 401)).header();
        }
        if (!challenge.bearer() || !challenge.params().containsKey("realm")) {
            throw new RegistryException(doing + ": unsupported auth challenge '" + challenge.scheme() + "'", 401);
        }
        StringBuilder url = new StringBuilder(challenge.params().get("realm"));
        url.append(url.indexOf("?") < 0 ? '?' : '&');
        if (challenge.params().containsKey("service")) {
            url.append("service=").append(URLEncoder.encode(challenge.params().get("service"), StandardCharsets.UTF_8)).append('&');
        }
        url.append("scope=").append(URLEncoder.encode(challenge.params().getOrDefault("scope", scope), StandardCharsets.UTF_8));
        HttpRequest.Builder token = HttpRequest.newBuilder(URI.create(url.toString())).timeout(requestTimeout).GET();
        basic.ifPresent(b -> token.header("Authorization", b.header()));
        try {
            HttpResponse<String> r = http.send(token.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new RegistryException(doing + ": token endpoint " + challenge.params().get("realm") + " answered HTTP "
                        + r.statusCode(), r.statusCode());
            }
            JsonNode json = JSON.readTree(r.body());
            String value = json.path("token").asString(json.path("access_token").asString(""));
            if (value.isEmpty()) throw new RegistryException(doing + ": token endpoint returned no token", 0);
            return "Bearer " + value;
        } catch (IOException e) {
            throw new RegistryException(doing + ": token endpoint unreachable: " + e, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(doing + ": interrupted", 0, e);
        }
    }

    private HttpResponse<byte[]> get(String path, Map<String, String> headers, String authorization, String doing) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(requestTimeout).GET();
        headers.forEach(b::header);
        if (authorization != null) b.header("Authorization", authorization);
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
            }
            if (body.length > MAX_DOCUMENT_BYTES) {
                throw new RegistryException(doing + ": the answer is larger than " + MAX_DOCUMENT_BYTES
                        + " bytes, more than any manifest or token", 0);
            }
            return new SizedResponse(r, body);
        } catch (IOException e) {
            throw new RegistryException(doing + ": " + e, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(doing + ": interrupted", 0, e);
        }
    }

    /** Manifests and tokens are small: registries refuse manifests over 4 MiB, and so does this client. */
    static final int MAX_DOCUMENT_BYTES = 4 << 20;

    /** A response whose body was read within the size limit. */
    private record SizedResponse(HttpResponse<InputStream> response, byte[] body) implements HttpResponse<byte[]> {
        @Override
        public int statusCode() {
            return response.statusCode();
        }

        @Override
        public HttpRequest request() {
            return response.request();
        }

        @Override
        public java.util.Optional<HttpResponse<byte[]>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return response.headers();
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return response.sslSession();
        }

        @Override
        public URI uri() {
            return response.uri();
        }

        @Override
        public HttpClient.Version version() {
            return response.version();
        }
    }

    private static void check(HttpResponse<?> r, String doing) {
        if (r.statusCode() / 100 != 2) {
            throw new RegistryException(doing + ": HTTP " + r.statusCode(), r.statusCode());
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
