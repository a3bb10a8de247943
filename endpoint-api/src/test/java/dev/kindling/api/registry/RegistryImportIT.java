package dev.kindling.api.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.LocalRegistry;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.api.ApiTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Images come into the embedded registry through {@code /v1/registry}: from OCI layouts written by hand (single
 * images of both families, indexes with all their manifests, corrupt and incomplete ones refused with nothing
 * tagged), from a real docker-registry (digests kept, linux/amd64 chosen from an index, credentials passed on,
 * failures told apart), and generated; bad requests are 400s naming the field. What comes in, the agent pulls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = {
        "kindling.registry.embedded.max-generated-layers=4",
        "kindling.registry.embedded.max-generated-image-bytes=8388608"
})
class RegistryImportIT extends ApiTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path tmp;
    private LocalRegistry source;

    @AfterAll
    void stopSource() {
        if (source != null) source.close();
    }

    /** The docker-registry to import from, started on first use; skips the test when it is not installed. */
    private LocalRegistry source() throws Exception {
        Assumptions.assumeTrue(LocalRegistry.installed(),
                "docker-registry is not installed: apt-get install docker-registry (.ci/run does)");
        if (source == null) source = LocalRegistry.start(Files.createDirectories(tmp.resolve("source-registry")));
        return source;
    }

    private WebTestClient.ResponseSpec send(String uri, String body) {
        return client().post().uri(uri).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private JsonNode importImage(String source, String image) {
        return JSON.readTree(send("/v1/registry/imports", "{\"source\":\"" + source + "\",\"image\":\"" + image + "\"}")
                .expectStatus().isCreated().expectBody(byte[].class).returnResult().getResponseBody());
    }

    private String host() {
        return "127.0.0.1:" + port;
    }

    private Manifest pullAndVerify(String repositoryAndTag) throws IOException {
        return AgentPull.pullAndVerify(host(), repositoryAndTag, tmp.resolve("pulls"));
    }

    private void assertNotServed(String repository, String tag) {
        client().get().uri("/v2/" + repository + "/manifests/" + tag).exchange().expectStatus().isNotFound();
    }

    // ------------------------------------------------------------------------------------------ OCI layouts

    @Test
    void importsTheImageARefNames() throws IOException {
        TestLayout layout = new TestLayout(tmp.resolve("two-images"));
        Descriptor v1 = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(1, 300_000)));
        Descriptor v2 = layout.image(RegistryClient.OCI_MANIFEST, "amd64",
                List.of(TestLayout.random(2, 200_000), TestLayout.random(3, 1000)));
        layout.names(new TestLayout.Named(v1, "v1"), new TestLayout.Named(v2, "v2"));

        JsonNode imported = importImage("oci:" + layout.dir + ":v2", "layout/app:2");
        assertThat(imported.path("repository").asString()).isEqualTo("layout/app");
        assertThat(imported.path("tag").asString()).isEqualTo("2");
        assertThat(imported.path("reference").asString()).isEqualTo(host() + "/layout/app:2");
        assertThat(imported.path("digest").asString()).isEqualTo(v2.digest().toString());
        assertThat(imported.path("mediaType").asString()).isEqualTo(RegistryClient.OCI_MANIFEST);
        assertThat(imported.path("blobs").asInt()).isEqualTo(3);
        long configSize = Files.size(layout.blobPath(pullAndVerify("layout/app:2").config().digest()));
        assertThat(imported.path("bytes").asLong()).isEqualTo(configSize + 200_000 + 1000);
        // Another test may have brought the same small config already.
        assertThat(imported.path("bytesCopied").asLong()).isBetween(200_000L + 1000, imported.path("bytes").asLong());
        assertThat(imported.path("seconds").asDouble()).isGreaterThanOrEqualTo(0);

        JsonNode again = importImage("oci:" + layout.dir + ":v2", "layout/app:again");
        assertThat(again.path("digest").asString()).isEqualTo(v2.digest().toString());
        assertThat(again.path("bytesCopied").asLong()).as("every blob was already there").isZero();
    }

    @Test
    void importsTheOnlyImageWithoutARefName() throws IOException {
        TestLayout layout = new TestLayout(tmp.resolve("one-image"));
        Descriptor only = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(4, 5000)));
        layout.names(new TestLayout.Named(only, null));
        assertThat(importImage("oci:" + layout.dir, "layout/only:1").path("digest").asString())
                .isEqualTo(only.digest().toString());
        assertThat(pullAndVerify("layout/only:1").digest()).isEqualTo(only.digest());
    }

    @Test
    void importsALayoutSkopeoWrote() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed: apt-get install skopeo");
        send("/v1/registry/generated-images", "{\"image\":\"skopeo/source:1\",\"layers\":[{\"sizeBytes\":200000}]}")
                .expectStatus().isCreated();
        Path out = tmp.resolve("skopeo-layout");
        // skopeo gzips uncompressed layers on the way into a layout: new blobs and a new manifest digest.
        Process p = new ProcessBuilder("skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                "docker://" + host() + "/skopeo/source:1", "oci:" + out + ":v1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("skopeo.log").toFile()).start();
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("skopeo finished").isTrue();
        assertThat(p.exitValue()).as("skopeo copy: %s", Files.readString(tmp.resolve("skopeo.log"))).isZero();
        String written = JSON.readTree(Files.readAllBytes(out.resolve("index.json"))).path("manifests").get(0)
                .path("digest").asString();

        assertThat(importImage("oci:" + out + ":v1", "skopeo/copy:1").path("digest").asString()).isEqualTo(written);
        assertThat(pullAndVerify("skopeo/copy:1").digest().toString()).isEqualTo(written);
    }

    @Test
    void aDockerManifestIsServedAsOne() throws IOException {
        TestLayout layout = new TestLayout(tmp.resolve("docker"));
        Descriptor m = layout.image(RegistryClient.DOCKER_MANIFEST, "amd64", List.of(TestLayout.random(5, 7000)));
        layout.names(new TestLayout.Named(m, "latest"));
        importImage("oci:" + layout.dir + ":latest", "layout/docker:1");
        client().get().uri("/v2/layout/docker/manifests/1").exchange().expectStatus().isOk()
                .expectHeader().contentType(RegistryClient.DOCKER_MANIFEST)
                .expectHeader().valueEquals("Docker-Content-Digest", m.digest().toString());
        assertThat(pullAndVerify("layout/docker:1").mediaType()).isEqualTo(RegistryClient.DOCKER_MANIFEST);
    }

    static Stream<Arguments> indexFamilies() {
        return Stream.of(Arguments.of("OCI index", RegistryClient.OCI_INDEX, RegistryClient.OCI_MANIFEST),
                Arguments.of("Docker manifest list", RegistryClient.DOCKER_LIST, RegistryClient.DOCKER_MANIFEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("indexFamilies")
    void anIndexComesWithEveryManifestItNames(String label, String indexType, String manifestType) throws IOException {
        TestLayout layout = new TestLayout(tmp.resolve("index-" + indexType.hashCode()));
        Descriptor arm = layout.image(manifestType, "arm64", List.of(TestLayout.random(6, 4000)));
        Descriptor amd = layout.image(manifestType, "amd64", List.of(TestLayout.random(7, 6000)));
        Descriptor index = layout.index(indexType, List.of(arm, amd), List.of("arm64", "amd64"));
        layout.names(new TestLayout.Named(index, "multi"));
        String repository = "layout/multi-" + (indexType.contains("docker") ? "docker" : "oci");

        JsonNode imported = importImage("oci:" + layout.dir + ":multi", repository + ":1");
        assertThat(imported.path("digest").asString()).isEqualTo(index.digest().toString());
        assertThat(imported.path("blobs").asInt()).as("two configs and two layers").isEqualTo(4);
        client().get().uri("/v2/" + repository + "/manifests/1").exchange().expectStatus().isOk()
                .expectHeader().contentType(indexType);
        for (Descriptor child : List.of(arm, amd)) {
            client().get().uri("/v2/" + repository + "/manifests/" + child.digest()).exchange().expectStatus().isOk()
                    .expectHeader().contentType(manifestType);
        }
        assertThat(pullAndVerify(repository + ":1").digest()).as("the agent resolves linux/amd64").isEqualTo(amd.digest());
    }

    @Test
    void aCorruptBlobIsRefusedAndNothingIsTagged() throws IOException {
        TestLayout layout = new TestLayout(tmp.resolve("corrupt"));
        Descriptor good = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(8, 3000)));
        layout.names(new TestLayout.Named(good, "v1"));
        importImage("oci:" + layout.dir + ":v1", "layout/corrupt:stable");

        byte[] layer = TestLayout.random(9, 100_000);
        Descriptor bad = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(10, 2000), layer));
        Digest layerDigest = TestLayout.digestOf(layer);
        layer[50_000] ^= 1; // one bit flipped on disk
        Files.write(layout.blobPath(layerDigest), layer);
        layout.names(new TestLayout.Named(bad, "v2"));

        for (String tag : List.of("stable", "new")) {
            send("/v1/registry/imports", "{\"source\":\"oci:" + layout.dir + ":v2\",\"image\":\"layout/corrupt:" + tag + "\"}")
                    .expectStatus().isBadRequest()
                    .expectBody()
                    .jsonPath("$.errors[0].field").isEqualTo("source")
                    .jsonPath("$.detail").value(d -> assertThat((String) d)
                            .contains("blob " + layerDigest + " is corrupt").contains("hash to " + TestLayout.digestOf(layer)));
        }
        client().get().uri("/v2/layout/corrupt/manifests/stable").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Docker-Content-Digest", good.digest().toString());
        assertNotServed("layout/corrupt", "new");
        client().get().uri("/v2/layout/corrupt/manifests/" + bad.digest()).exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.errors[0].code").isEqualTo("MANIFEST_UNKNOWN");
        client().get().uri("/v2/layout/corrupt/blobs/" + layerDigest).exchange().expectStatus().isNotFound();
    }

    @Test
    void aLayoutMissingABlobIsRefused() throws IOException {
        TestLayout layout = new TestLayout(tmp.resolve("incomplete"));
        byte[] layer = TestLayout.random(11, 1000);
        Descriptor m = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(layer));
        Files.delete(layout.blobPath(TestLayout.digestOf(layer)));
        layout.names(new TestLayout.Named(m, "v1"));
        send("/v1/registry/imports", "{\"source\":\"oci:" + layout.dir + ":v1\",\"image\":\"layout/incomplete:1\"}")
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("lacks blob " + TestLayout.digestOf(layer)));
        client().get().uri("/v2/layout/incomplete/manifests/1").exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.errors[0].code").isEqualTo("NAME_UNKNOWN");
    }

    // --------------------------------------------------------------------------------------- bad requests

    /** A layout with two named images, and a directory that is no layout, for the rows below. */
    private String twoImages() {
        TestLayout layout = new TestLayout(tmp.resolve("rows"));
        Descriptor a = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(12, 10)));
        Descriptor b = layout.image(RegistryClient.OCI_MANIFEST, "amd64", List.of(TestLayout.random(13, 10)));
        layout.names(new TestLayout.Named(a, "a"), new TestLayout.Named(b, "b"));
        return layout.dir.toString();
    }

    static Stream<Arguments> badImports() {
        return Stream.of(
                Arguments.of("no source", "{\"image\":\"x:1\"}", "source", "is required"),
                Arguments.of("no image", "{\"source\":\"oci:/tmp\"}", "image", "is required"),
                Arguments.of("unknown scheme", "{\"source\":\"ftp://h/x\",\"image\":\"x:1\"}", "source", "must be oci:"),
                Arguments.of("oci without a path", "{\"source\":\"oci:\",\"image\":\"x:1\"}", "source", "path is missing"),
                Arguments.of("docker without a host", "{\"source\":\"docker://library/x:1\",\"image\":\"x:1\"}", "source", "registry host"),
                Arguments.of("upper-case image", "{\"source\":\"oci:/tmp\",\"image\":\"Bad/Name:1\"}", "image", "lower-case"),
                Arguments.of("image with a registry host", "{\"source\":\"oci:/tmp\",\"image\":\"127.0.0.1:5000/x:1\"}", "image", "without a registry host"),
                Arguments.of("bad tag", "{\"source\":\"oci:/tmp\",\"image\":\"x:-1\"}", "image", "tag"),
                Arguments.of("no such directory", "{\"source\":\"oci:/no/such/layout\",\"image\":\"x:1\"}", "source", "not a directory"),
                Arguments.of("not a layout", "{\"source\":\"oci:/tmp\",\"image\":\"x:1\"}", "source", "no oci-layout file"),
                Arguments.of("unknown ref", "{\"source\":\"oci:LAYOUT:c\",\"image\":\"x:1\"}", "source", "does not hold; it has [a, b]"),
                Arguments.of("several images, no ref", "{\"source\":\"oci:LAYOUT\",\"image\":\"x:1\"}", "source", "choose one of [a, b]"),
                Arguments.of("user without password", "{\"source\":\"docker://127.0.0.1:1/x\",\"image\":\"x:1\",\"username\":\"u\"}", "password", "is required"),
                Arguments.of("credentials for a layout", "{\"source\":\"oci:LAYOUT:a\",\"image\":\"x:1\",\"username\":\"u\",\"password\":\"p\"}", "username", "docker://"),
                Arguments.of("unknown field", "{\"sorce\":\"oci:/tmp\",\"image\":\"x:1\"}", "sorce", "not a known field"),
                Arguments.of("source not a string", "{\"source\":[1],\"image\":\"x:1\"}", "source", "must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badImports")
    void aBadImportIsA400NamingTheField(String label, String body, String field, String rule) {
        send("/v1/registry/imports", body.replace("LAYOUT", twoImages())).expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.errors[?(@.field == '" + field + "')].rule").value(rules -> assertRuleNamed(rules, rule));
        client().get().uri("/v2/x/manifests/1").exchange().expectStatus().isNotFound();
    }

    private static void assertRuleNamed(Object rules, String rule) {
        assertThat((List<?>) rules).as("the rules given for the field").anySatisfy(r -> assertThat((String) r).contains(rule));
    }

    static Stream<Arguments> badGenerations() {
        return Stream.of(
                Arguments.of("no image", "{\"layers\":[{\"sizeBytes\":1}]}", "image", "is required"),
                Arguments.of("bad image", "{\"image\":\"A:1\",\"layers\":[{\"sizeBytes\":1}]}", "image", "lower-case"),
                Arguments.of("no layers", "{\"image\":\"g:1\"}", "layers", "is required"),
                Arguments.of("empty layers", "{\"image\":\"g:1\",\"layers\":[]}", "layers", "is required"),
                Arguments.of("a null layer", "{\"image\":\"g:1\",\"layers\":[null]}", "layers[0].sizeBytes", "is required"),
                Arguments.of("no size", "{\"image\":\"g:1\",\"layers\":[{}]}", "layers[0].sizeBytes", "is required"),
                Arguments.of("zero size", "{\"image\":\"g:1\",\"layers\":[{\"sizeBytes\":1},{\"sizeBytes\":0}]}", "layers[1].sizeBytes", "at least 1"),
                Arguments.of("negative size", "{\"image\":\"g:1\",\"layers\":[{\"sizeBytes\":-5}]}", "layers[0].sizeBytes", "at least 1"),
                Arguments.of("size not a number", "{\"image\":\"g:1\",\"layers\":[{\"sizeBytes\":\"big\"}]}", "layers[0].sizeBytes", "an integer"),
                Arguments.of("too many layers", "{\"image\":\"g:1\",\"layers\":[{\"sizeBytes\":1},{\"sizeBytes\":1},"
                        + "{\"sizeBytes\":1},{\"sizeBytes\":1},{\"sizeBytes\":1}]}", "layers", "at most 4 layers (kindling.registry.embedded.max-generated-layers)"),
                Arguments.of("too many bytes", "{\"image\":\"g:1\",\"layers\":[{\"sizeBytes\":5000000},{\"sizeBytes\":5000000}]}",
                        "layers", "at most 8388608 bytes (kindling.registry.embedded.max-generated-image-bytes), were 10000000"),
                Arguments.of("sizes that overflow", "{\"image\":\"g:1\",\"layers\":[{\"sizeBytes\":9223372036854775807},"
                        + "{\"sizeBytes\":9223372036854775807}]}", "layers", "at most 8388608 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badGenerations")
    void aBadGenerationIsA400NamingTheField(String label, String body, String field, String rule) {
        send("/v1/registry/generated-images", body).expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.errors[?(@.field == '" + field + "')].rule").value(rules -> assertRuleNamed(rules, rule));
        client().get().uri("/v2/g/manifests/1").exchange().expectStatus().isNotFound();
    }

    // -------------------------------------------------------------------------------------- repositories

    @Test
    void repositoriesListTheirTagsManifestsAndBytes() {
        JsonNode generated = JSON.readTree(send("/v1/registry/generated-images",
                "{\"image\":\"listed/app:1\",\"layers\":[{\"sizeBytes\":1000},{\"sizeBytes\":2000}],\"seed\":3}")
                .expectStatus().isCreated().expectBody(byte[].class).returnResult().getResponseBody());
        String digest = generated.path("digest").asString();
        long bytes = generated.path("bytes").asLong();
        send("/v1/registry/generated-images", "{\"image\":\"listed/app:2\",\"layers\":[{\"sizeBytes\":1000}],\"seed\":3}")
                .expectStatus().isCreated();

        client().get().uri("/v1/registry/repositories").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.repositories[?(@.name == 'listed/app')].tags[0].tag").isEqualTo("1")
                .jsonPath("$.repositories[?(@.name == 'listed/app')].tags[0].digest").isEqualTo(digest);
        JsonNode repository = JSON.readTree(client().get().uri("/v1/registry/repositories/listed/app").exchange()
                .expectStatus().isOk().expectBody(byte[].class).returnResult().getResponseBody());
        assertThat(repository.path("name").asString()).isEqualTo("listed/app");
        assertThat(repository.path("tags")).hasSize(2);
        assertThat(repository.path("tags").get(0).path("bytes").asLong()).isEqualTo(bytes);
        assertThat(repository.path("tags").get(0).path("mediaType").asString()).isEqualTo(RegistryClient.OCI_MANIFEST);
        assertThat(repository.path("manifests")).hasSize(2);
        assertThat(repository.path("bytes").asLong()).as("layer 0 is the same in both: counted once")
                .isGreaterThan(bytes).isLessThan(2 * bytes);

        client().get().uri("/v1/registry/repositories/no/such").exchange().expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        client().get().uri("/v1/registry/repositories/Bad").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("repository");
    }

    @Test
    void removingATagLeavesTheManifestByDigest() {
        String digest = JSON.readTree(send("/v1/registry/generated-images",
                "{\"image\":\"untag/app:1\",\"layers\":[{\"sizeBytes\":10}]}").expectStatus().isCreated()
                .expectBody(byte[].class).returnResult().getResponseBody()).path("digest").asString();
        client().delete().uri("/v1/registry/repositories/untag/app/tags/1").exchange().expectStatus().isNoContent();
        assertNotServed("untag/app", "1");
        client().get().uri("/v2/untag/app/manifests/" + digest).exchange().expectStatus().isOk();
        client().delete().uri("/v1/registry/repositories/untag/app/tags/1").exchange().expectStatus().isNotFound();
        client().delete().uri("/v1/registry/repositories/untag/app").exchange().expectStatus().isBadRequest();
    }

    @Test
    void theApiDocumentShowsTheRegistryApiButNotTheDistributionRoutes() {
        client().get().uri("/v3/api-docs").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.paths['/v1/registry/imports'].post").exists()
                .jsonPath("$.paths['/v1/registry/generated-images'].post").exists()
                .jsonPath("$.paths['/v2/**']").doesNotExist();
    }

    // ---------------------------------------------------------------------------------- another registry

    @Test
    void importsFromAnotherRegistryKeepingTheDigest() throws Exception {
        LocalRegistry r = source();
        Digest oci = r.pushImage("team/llm", "v1", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8),
                List.of(TestLayout.random(20, 400_000), TestLayout.random(21, 3000)));
        JsonNode imported = importImage("docker://" + r.host() + "/team/llm:v1", "mirror/llm:v1");
        assertThat(imported.path("digest").asString()).isEqualTo(oci.toString());
        assertThat(imported.path("blobs").asInt()).isEqualTo(3);
        assertThat(imported.path("bytesCopied").asLong()).isBetween(400_000L + 3000, imported.path("bytes").asLong());
        Manifest m = pullAndVerify("mirror/llm:v1");
        assertThat(m.digest()).isEqualTo(oci);
        assertThat(m.layers().getFirst().size()).isEqualTo(400_000);

        assertThat(importImage("docker://" + r.host() + "/team/llm@" + oci, "mirror/llm:by-digest").path("digest").asString())
                .isEqualTo(oci.toString());

        Digest docker = r.pushImage("team/docker", "v1", RegistryClient.DOCKER_MANIFEST,
                "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8), List.of(TestLayout.random(22, 5000)));
        importImage("docker://" + r.host() + "/team/docker:v1", "mirror/docker:v1");
        client().get().uri("/v2/mirror/docker/manifests/v1").exchange().expectStatus().isOk()
                .expectHeader().contentType(RegistryClient.DOCKER_MANIFEST)
                .expectHeader().valueEquals("Docker-Content-Digest", docker.toString());
    }

    @Test
    void fromAnIndexTheLinuxAmd64ImageIsImported() throws Exception {
        LocalRegistry r = source();
        Digest arm = r.pushImage("team/multi", "arm", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"arm64\"}".getBytes(StandardCharsets.UTF_8), List.of(TestLayout.random(23, 100)));
        Digest amd = r.pushImage("team/multi", "amd", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8), List.of(TestLayout.random(24, 200)));
        r.pushManifest("team/multi", "latest", RegistryClient.OCI_INDEX, index(r, "team/multi", Map.of("arm64", arm, "amd64", amd)));
        JsonNode imported = importImage("docker://" + r.host() + "/team/multi", "mirror/multi:1");
        assertThat(imported.path("digest").asString()).isEqualTo(amd.toString());
        assertThat(pullAndVerify("mirror/multi:1").layers()).singleElement().extracting(Descriptor::size).isEqualTo(200L);

        Digest armOnly = r.pushImage("team/armonly", "arm", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"arm64\"}".getBytes(StandardCharsets.UTF_8), List.of(TestLayout.random(23, 100)));
        r.pushManifest("team/armonly", "latest", RegistryClient.OCI_INDEX, index(r, "team/armonly", Map.of("arm64", armOnly)));
        send("/v1/registry/imports", "{\"source\":\"docker://" + r.host() + "/team/armonly\",\"image\":\"mirror/armonly:1\"}")
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("no linux/amd64 manifest"));
    }

    private static byte[] index(LocalRegistry r, String repository, Map<String, Digest> byArchitecture) throws Exception {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_INDEX + "\",\"manifests\":[");
        String sep = "";
        for (var e : byArchitecture.entrySet()) {
            b.append(sep).append("{\"mediaType\":\"").append(RegistryClient.OCI_MANIFEST).append("\",\"digest\":\"")
                    .append(e.getValue()).append("\",\"size\":").append(r.manifestSize(repository, e.getValue()))
                    .append(",\"platform\":{\"os\":\"linux\",\"architecture\":\"").append(e.getKey()).append("\"}}");
            sep = ",";
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aMissingSourceImageIsA404AndAFailingRegistryA502() throws Exception {
        LocalRegistry r = source();
        send("/v1/registry/imports", "{\"source\":\"docker://" + r.host() + "/team/nothing:v9\",\"image\":\"mirror/nothing:1\"}")
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d)
                        .contains("source image " + r.host() + "/team/nothing:v9 does not exist").contains("HTTP 404"));
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        send("/v1/registry/imports", "{\"source\":\"docker://127.0.0.1:" + closed + "/team/llm:v1\",\"image\":\"mirror/down:1\"}")
                .expectStatus().isEqualTo(502)
                .expectBody()
                .jsonPath("$.type").isEqualTo("https://kindling.dev/problems/upstream-failed")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("127.0.0.1:" + closed).contains("Connect"));
        assertNotServed("mirror/nothing", "1");
        assertNotServed("mirror/down", "1");
    }

    @Test
    void credentialsGoToARegistryThatAsksForThem() throws Exception {
        LocalRegistry r = source();
        Digest image = r.pushImage("team/private", "v1", RegistryClient.OCI_MANIFEST,
                "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8), List.of(TestLayout.random(25, 9000)));
        HttpServer guarded = basicAuthProxy(r.host(), "puller", "s3cret");
        try {
            String src = "docker://127.0.0.1:" + guarded.getAddress().getPort() + "/team/private:v1";
            send("/v1/registry/imports", "{\"source\":\"" + src + "\",\"image\":\"mirror/private:1\"}")
                    .expectStatus().isEqualTo(502)
                    .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("no credentials"));
            send("/v1/registry/imports", "{\"source\":\"" + src + "\",\"image\":\"mirror/private:1\",\"username\":\"puller\",\"password\":\"wrong\"}")
                    .expectStatus().isEqualTo(502)
                    .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("refused our credentials"));
            assertNotServed("mirror/private", "1");
            JsonNode imported = JSON.readTree(send("/v1/registry/imports", "{\"source\":\"" + src
                    + "\",\"image\":\"mirror/private:1\",\"username\":\"puller\",\"password\":\"s3cret\"}")
                    .expectStatus().isCreated().expectBody(byte[].class).returnResult().getResponseBody());
            assertThat(imported.path("digest").asString()).isEqualTo(image.toString());
            pullAndVerify("mirror/private:1");
        } finally {
            guarded.stop(0);
        }
    }

    /** A registry front that wants Basic credentials and passes reads through to {@code upstream}. */
    private static HttpServer basicAuthProxy(String upstream, String user, String password) throws IOException {
        String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", ex -> {
            try (ex) {
                if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"test\"");
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + upstream + ex.getRequestURI()))
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
                for (String h : List.of("Accept", "Range")) {
                    String v = ex.getRequestHeaders().getFirst(h);
                    if (v != null) b.header(h, v);
                }
                HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Range")) {
                    resp.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
                }
                long length = resp.headers().firstValueAsLong("Content-Length").orElse(0);
                ex.sendResponseHeaders(resp.statusCode(), length == 0 ? -1 : length);
                try (InputStream in = resp.body(); OutputStream out = ex.getResponseBody()) {
                    in.transferTo(out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return server;
    }
}
