package dev.kindling.api.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.image.ImagePuller;
import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.FetchReport;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.ImageReference;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.api.ApiTestSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.WebFilter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded registry's read API, as the agent's client, skopeo and a bare HTTP client see it: a generated image
 * of the asked shape, pulled by tag and by digest in small ranges and verified; ranges and their 416; HEAD; tag
 * lists and the catalog with pagination; and every refusal in the OCI error shape with the spec's code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistributionApiIT extends ApiTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Three layers: one over a MiB (17 ranges of 64 KiB), one that fits in a few, and a one-byte file. */
    private static final List<Long> SIZES = List.of(1_048_576L + 12_345, 200_000L, 1L);
    private static final FetchSettings SMALL_CHUNKS = new FetchSettings(64 * 1024, 3, 2, Duration.ofSeconds(30));

    @TempDir
    Path tmp;
    private String digest;

    /** Counts the ranged blob GETs the server saw, and whether its responses can send files zero-copy. */
    @TestConfiguration
    static class Observed {
        static final Map<String, AtomicInteger> RANGED_GETS = new ConcurrentHashMap<>();
        static final AtomicBoolean ZERO_COPY = new AtomicBoolean(true);

        @Bean
        WebFilter rangeCounter() {
            return (exchange, chain) -> {
                String path = exchange.getRequest().getPath().value();
                if (path.contains("/blobs/")) {
                    if (!(exchange.getResponse() instanceof ZeroCopyHttpOutputMessage)) ZERO_COPY.set(false);
                    if (exchange.getRequest().getHeaders().getFirst("Range") != null) {
                        RANGED_GETS.computeIfAbsent(path.substring(path.lastIndexOf('/') + 1), k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                }
                return chain.filter(exchange);
            };
        }
    }

    @BeforeAll
    void generate() {
        digest = generate("demo/model-server:1", 7);
        generate("demo/model-server:2", 8);
        generate("demo/other:1", 9);
    }

    private String generate(String image, long seed) {
        String layers = String.join(",", SIZES.stream().map(s -> "{\"sizeBytes\":" + s + "}").toList());
        JsonNode body = JSON.readTree(client().post().uri("/v1/registry/generated-images").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"image\":\"" + image + "\",\"layers\":[" + layers + "],\"seed\":" + seed + "}")
                .exchange().expectStatus().isCreated()
                .expectHeader().valueEquals("Location", "/v1/registry/repositories/" + image.substring(0, image.indexOf(':')))
                .expectBody(byte[].class).returnResult().getResponseBody());
        assertThat(body.path("blobs").asInt()).isEqualTo(SIZES.size() + 1);
        assertThat(body.path("reference").asString()).isEqualTo("127.0.0.1:" + port + "/" + image);
        return body.path("digest").asString();
    }

    /** Whole layers of over a MiB come back in one body. */
    @Override
    protected WebTestClient client() {
        return super.client().mutate().codecs(c -> c.defaultCodecs().maxInMemorySize(16 << 20)).build();
    }

    private String host() {
        return "127.0.0.1:" + port;
    }

    private RegistryClient agentClient() {
        return RegistryClient.forReference(ImageReference.parse(host() + "/x"), RegistryCredentials.anonymous(),
                Duration.ofSeconds(30));
    }

    private byte[] get(String path) {
        return client().get().uri(path).exchange().expectStatus().isOk().expectBody(byte[].class).returnResult()
                .getResponseBody();
    }

    @Test
    void aGeneratedImageHasTheShapeAskedOfRandomIncompressibleBytes() throws IOException {
        byte[] manifestBytes = client().get().uri("/v2/demo/model-server/manifests/1").exchange().expectStatus().isOk()
                .expectHeader().contentType(RegistryClient.OCI_MANIFEST)
                .expectHeader().valueEquals("Docker-Content-Digest", digest)
                .expectBody(byte[].class).returnResult().getResponseBody();
        assertThat(TestLayout.digestOf(manifestBytes).toString()).isEqualTo(digest);
        JsonNode manifest = JSON.readTree(manifestBytes);
        assertThat(manifest.path("mediaType").asString()).isEqualTo(RegistryClient.OCI_MANIFEST);
        assertThat(manifest.path("config").path("mediaType").asString()).isEqualTo(ImageGenerator.CONFIG_MEDIA_TYPE);
        JsonNode layers = manifest.path("layers");
        assertThat(layers).hasSize(SIZES.size());

        JsonNode config = JSON.readTree(get("/v2/demo/model-server/blobs/" + manifest.path("config").path("digest").asString()));
        assertThat(config.path("architecture").asString()).isEqualTo("amd64");
        assertThat(config.path("os").asString()).isEqualTo("linux");
        List<String> diffIds = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asString()));
        assertThat(diffIds).isEqualTo(layers.valueStream().map(l -> l.path("digest").asString()).toList());

        for (int i = 0; i < SIZES.size(); i++) {
            JsonNode l = layers.get(i);
            assertThat(l.path("mediaType").asString()).isEqualTo(ImageGenerator.LAYER_MEDIA_TYPE);
            byte[] tar = get("/v2/demo/model-server/blobs/" + l.path("digest").asString());
            assertThat(tar.length).isEqualTo(l.path("size").asLong());
            assertThat(TestLayout.digestOf(tar).toString()).isEqualTo(l.path("digest").asString());
            try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
                assertThat(in.getNextEntry().isDirectory()).isTrue();
                TarArchiveEntry file = in.getNextEntry();
                assertThat(file.getName()).isEqualTo("kindling-generated/layer-" + i + ".bin");
                byte[] content = in.readAllBytes();
                assertThat((long) content.length).isEqualTo(SIZES.get(i));
                if (content.length > 1000) {
                    assertThat(deflated(content)).as("random bytes do not compress").isGreaterThan((long) (content.length * 0.99));
                }
                assertThat(in.getNextEntry()).isNull();
            }
        }
    }

    private static long deflated(byte[] content) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(content);
        d.finish();
        byte[] out = new byte[content.length + 1024];
        long total = 0;
        while (!d.finished()) total += d.deflate(out);
        d.end();
        return total;
    }

    @Test
    void theSameSizesAndSeedGiveTheSameImage() {
        assertThat(generate("demo/again:1", 7)).isEqualTo(digest);
        assertThat(generate("demo/again:2", 8)).isNotEqualTo(digest);
    }

    @Test
    void theAgentPullsByTagAndByDigestInSmallVerifiedRanges() throws IOException {
        try (RegistryClient c = agentClient(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Manifest byTag = c.pullManifest(ImageReference.parse(host() + "/demo/model-server:1"));
            assertThat(byTag.digest().toString()).isEqualTo(digest);
            assertThat(byTag.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
            assertThat(byTag.layers()).hasSize(3);
            Manifest byDigest = c.pullManifest(ImageReference.parse(host() + "/demo/model-server@" + digest));
            assertThat(byDigest).isEqualTo(byTag);

            BlobStore local = new BlobStore(tmp.resolve("agent-store"));
            FetchReport report = fetcher.fetch(c, "demo/model-server", byTag.blobs(), local, d -> { });
            assertThat(report.blobsFetched()).isEqualTo(4);
            assertThat(report.bytesFetched()).isEqualTo(byTag.totalBytes());
            for (Descriptor d : byTag.blobs()) {
                assertThat(TestLayout.digestOf(Files.readAllBytes(local.path(d.digest())))).isEqualTo(d.digest());
            }
            Descriptor big = byTag.layers().getFirst();
            assertThat(Observed.RANGED_GETS.get(big.digest().toString()).get())
                    .as("one ranged GET per 64 KiB chunk").isEqualTo((int) ((big.size() + 65535) / 65536));
            assertThat(Observed.ZERO_COPY).as("blob responses can send files zero-copy").isTrue();
        }
    }

    @Test
    void theAgentUnpacksAGeneratedImage() throws IOException {
        try (RegistryClient c = agentClient(); BlobFetcher fetcher = new BlobFetcher(SMALL_CHUNKS)) {
            Path rootfs = tmp.resolve("rootfs");
            new ImagePuller(fetcher).pull(c, ImageReference.parse(host() + "/demo/model-server:1"),
                    new BlobStore(tmp.resolve("unpack-store")), rootfs);
            for (int i = 0; i < SIZES.size(); i++) {
                assertThat(Files.size(rootfs.resolve("kindling-generated/layer-" + i + ".bin"))).isEqualTo(SIZES.get(i));
            }
        }
    }

    @Test
    void skopeoCopiesTheImage() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "skopeo is not installed: apt-get install skopeo");
        Path out = tmp.resolve("skopeo");
        Process p = new ProcessBuilder("skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                "docker://" + host() + "/demo/model-server:1", "dir:" + out)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("skopeo.log").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("skopeo finished").isTrue();
        assertThat(p.exitValue()).as("skopeo copy succeeded: %s", Files.readString(tmp.resolve("skopeo.log"))).isZero();
        byte[] manifest = Files.readAllBytes(out.resolve("manifest.json"));
        assertThat(TestLayout.digestOf(manifest).toString()).isEqualTo(digest);
        JsonNode m = JSON.readTree(manifest);
        List<JsonNode> blobs = Stream.concat(Stream.of(m.path("config")), m.path("layers").valueStream()).toList();
        for (JsonNode b : blobs) {
            Digest d = Digest.parse(b.path("digest").asString());
            assertThat(TestLayout.digestOf(Files.readAllBytes(out.resolve(d.hex())))).isEqualTo(d);
        }
    }

    @Test
    void theApiCheckAnswersWithTheVersionHeader() {
        client().get().uri("/v2/").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Docker-Distribution-API-Version", "registry/2.0")
                .expectBody().json("{}");
    }

    @Test
    void headsAnswerWithTheHeadersOfAGet() {
        String config = manifestJson().path("config").path("digest").asString();
        long configSize = manifestJson().path("config").path("size").asLong();
        client().head().uri("/v2/demo/model-server/manifests/1").exchange().expectStatus().isOk()
                .expectHeader().contentType(RegistryClient.OCI_MANIFEST)
                .expectHeader().valueEquals("Docker-Content-Digest", digest)
                .expectHeader().contentLength(get("/v2/demo/model-server/manifests/1").length)
                .expectBody().isEmpty();
        client().head().uri("/v2/demo/model-server/blobs/" + config).exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Docker-Content-Digest", config)
                .expectHeader().contentLength(configSize)
                .expectBody().isEmpty();
    }

    private JsonNode manifestJson() {
        return JSON.readTree(get("/v2/demo/model-server/manifests/1"));
    }

    @Test
    void rangesAnswer206WithTheirBytesAnd416PastTheEnd() {
        JsonNode layer = manifestJson().path("layers").get(1);
        String path = "/v2/demo/model-server/blobs/" + layer.path("digest").asString();
        long size = layer.path("size").asLong();
        byte[] whole = get(path);

        byte[] middle = client().get().uri(path).header("Range", "bytes=1000-1999").exchange()
                .expectStatus().isEqualTo(206)
                .expectHeader().valueEquals("Content-Range", "bytes 1000-1999/" + size)
                .expectHeader().contentLength(1000)
                .expectBody(byte[].class).returnResult().getResponseBody();
        assertThat(middle).isEqualTo(java.util.Arrays.copyOfRange(whole, 1000, 2000));

        byte[] tail = client().get().uri(path).header("Range", "bytes=-10").exchange().expectStatus().isEqualTo(206)
                .expectHeader().valueEquals("Content-Range", "bytes " + (size - 10) + "-" + (size - 1) + "/" + size)
                .expectBody(byte[].class).returnResult().getResponseBody();
        assertThat(tail).isEqualTo(java.util.Arrays.copyOfRange(whole, (int) size - 10, (int) size));

        byte[] pastEnd = client().get().uri(path).header("Range", "bytes=" + (size - 5) + "-" + (size + 100)).exchange()
                .expectStatus().isEqualTo(206)
                .expectBody(byte[].class).returnResult().getResponseBody();
        assertThat(pastEnd).hasSize(5);

        client().get().uri(path).header("Range", "bytes=" + size + "-").exchange()
                .expectStatus().isEqualTo(416)
                .expectHeader().valueEquals("Content-Range", "bytes */" + size)
                .expectBody().jsonPath("$.errors[0].code").isEqualTo("RANGE_INVALID");
    }

    @Test
    void tagListsAndTheCatalogPage() {
        client().get().uri("/v2/demo/model-server/tags/list").exchange().expectStatus().isOk()
                .expectBody().json("{\"name\":\"demo/model-server\",\"tags\":[\"1\",\"2\"]}", JsonCompareMode.STRICT);
        client().get().uri("/v2/demo/model-server/tags/list?n=1").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Link", "</v2/demo/model-server/tags/list?n=1&last=1>; rel=\"next\"")
                .expectBody().json("{\"tags\":[\"1\"]}");
        client().get().uri("/v2/demo/model-server/tags/list?n=1&last=1").exchange().expectStatus().isOk()
                .expectHeader().doesNotExist("Link")
                .expectBody().json("{\"name\":\"demo/model-server\",\"tags\":[\"2\"]}", JsonCompareMode.STRICT);
        client().get().uri("/v2/_catalog").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.repositories").value(r -> {
                    @SuppressWarnings("unchecked") List<String> names = (List<String>) r;
                    assertThat(names).contains("demo/model-server", "demo/other").isSorted();
                });
        client().get().uri("/v2/_catalog?n=1").exchange().expectStatus().isOk()
                .expectHeader().exists("Link")
                .expectBody().jsonPath("$.repositories.length()").isEqualTo(1);
    }

    static Stream<Arguments> refusals() {
        String unknownDigest = "sha256:" + "0".repeat(64);
        return Stream.of(
                Arguments.of("unknown repository", HttpMethod.GET, "/v2/nobody/here/manifests/1", 404, "NAME_UNKNOWN"),
                Arguments.of("unknown tag", HttpMethod.GET, "/v2/demo/model-server/manifests/9", 404, "MANIFEST_UNKNOWN"),
                Arguments.of("unknown manifest digest", HttpMethod.GET, "/v2/demo/model-server/manifests/" + unknownDigest, 404, "MANIFEST_UNKNOWN"),
                Arguments.of("unknown blob", HttpMethod.GET, "/v2/demo/model-server/blobs/" + unknownDigest, 404, "BLOB_UNKNOWN"),
                Arguments.of("unknown blob, HEAD", HttpMethod.HEAD, "/v2/demo/model-server/blobs/" + unknownDigest, 404, null),
                Arguments.of("blob of another repository", HttpMethod.GET, "/v2/demo/other/blobs/" + unknownDigest, 404, "BLOB_UNKNOWN"),
                Arguments.of("malformed blob digest", HttpMethod.GET, "/v2/demo/model-server/blobs/sha256:xyz", 400, "DIGEST_INVALID"),
                Arguments.of("malformed manifest digest", HttpMethod.GET, "/v2/demo/model-server/manifests/sha256:xyz", 400, "DIGEST_INVALID"),
                Arguments.of("upper-case repository", HttpMethod.GET, "/v2/Demo/manifests/1", 400, "NAME_INVALID"),
                Arguments.of("tags of an unknown repository", HttpMethod.GET, "/v2/nobody/tags/list", 404, "NAME_UNKNOWN"),
                Arguments.of("negative page size", HttpMethod.GET, "/v2/_catalog?n=-1", 400, "PAGINATION_NUMBER_INVALID"),
                Arguments.of("no such route", HttpMethod.GET, "/v2/demo/model-server/referrers", 404, "UNSUPPORTED"),
                Arguments.of("upload status", HttpMethod.GET, "/v2/demo/model-server/blobs/uploads/abc", 404, "BLOB_UPLOAD_UNKNOWN"),
                Arguments.of("push: start an upload", HttpMethod.POST, "/v2/demo/model-server/blobs/uploads/", 405, "UNSUPPORTED"),
                Arguments.of("push: upload a chunk", HttpMethod.PATCH, "/v2/demo/model-server/blobs/uploads/abc", 405, "UNSUPPORTED"),
                Arguments.of("push: a manifest", HttpMethod.PUT, "/v2/demo/model-server/manifests/3", 405, "UNSUPPORTED"),
                Arguments.of("delete a manifest", HttpMethod.DELETE, "/v2/demo/model-server/manifests/1", 405, "UNSUPPORTED"),
                Arguments.of("delete a blob", HttpMethod.DELETE, "/v2/demo/model-server/blobs/" + unknownDigest, 405, "UNSUPPORTED"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusalsCarryTheSpecsCode(String label, HttpMethod method, String path, int status, String code) {
        var request = client().method(method).uri(path);
        if (method == HttpMethod.PUT || method == HttpMethod.PATCH) request.contentType(MediaType.APPLICATION_JSON).bodyValue("{}");
        EntityExchangeResult<byte[]> r = request.exchange()
                .expectStatus().isEqualTo(status)
                .expectHeader().valueEquals("Docker-Distribution-API-Version", "registry/2.0")
                .expectBody(byte[].class).returnResult();
        if (code == null) return; // HEAD: no body
        assertThat(r.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        JsonNode error = JSON.readTree(r.getResponseBody()).path("errors").get(0);
        assertThat(error.path("code").asString()).isEqualTo(code);
        assertThat(error.path("message").asString()).isNotBlank();
        assertThat(error.has("detail")).isTrue();
        if (status == 405) {
            assertThat(error.path("message").asString()).contains("POST /v1/registry/imports");
            assertThat(r.getResponseHeaders().getAllow()).containsExactlyInAnyOrder(HttpMethod.GET, HttpMethod.HEAD);
        }
    }

    @Test
    void theManifestBytesServedAreTheOnesStored() {
        byte[] served = get("/v2/demo/model-server/manifests/" + digest);
        assertThat(new String(served, StandardCharsets.UTF_8)).startsWith("{\"schemaVersion\":2");
        assertThat(TestLayout.digestOf(served).toString()).isEqualTo(digest);
    }
}
