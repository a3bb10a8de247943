package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.ApiTestSupport;
import dev.kindling.api.Fixtures;
import dev.kindling.api.router.RoutingTable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * Invocations through both paths on the local fleet, answered by the copies' emulated model servers: bodies and
 * content types round-trip (a megabyte streams), the component header is needed only where an endpoint has several,
 * copies are chosen by least outstanding requests and counted in flight, a request for a component without copies
 * waits until one comes into service, and everything shows up in the Prometheus metrics. boto3 calls it too.
 */
class InvocationApiIT extends ApiTestSupport {

    private static final String COMPONENT_HEADER = "X-Amzn-SageMaker-Inference-Component";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private RoutingTable routingTable;

    private void endpoint(String name, int instances) {
        post("/v1/endpoint-configs", Fixtures.config(name + "-cfg", "ml.g5.12xlarge", instances));
        post("/v1/endpoints", Fixtures.endpoint(name, name + "-cfg"));
    }

    /** A component of copies that need no accelerator, in service, and in the routing table. */
    private void component(String name, String endpoint, int copies, String environment) {
        post("/v1/inference-components", Fixtures.component(name, endpoint, 0, copies, environment));
        awaitComponent(name, "InService", copies);
        routingTable.refresh().block(Duration.ofSeconds(10));
    }

    private WebClient async() {
        return WebClient.builder().baseUrl("http://127.0.0.1:" + port).build();
    }

    private CompletableFuture<ResponseEntity<String>> invokeLater(String endpoint, String component, String body) {
        return async().post().uri("/v1/endpoints/{e}/invocations", endpoint).header(COMPONENT_HEADER, component)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchangeToMono(r -> r.toEntity(String.class)).toFuture();
    }

    /** The value of the Prometheus sample {@code name} whose labels include {@code labels}, or null if none. */
    private Double metric(String name, Map<String, String> labels) {
        String scrape = client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        while (m.find()) {
            String found = m.group(1);
            if (labels.entrySet().stream().allMatch(l -> found.contains(l.getKey() + "=\"" + l.getValue() + "\""))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return null;
    }

    @Test
    void bothPathsCarryTheBodyAndContentTypeToACopyAndItsAnswerBack() {
        endpoint("echo", 1);
        component("echo-ic", "echo", 1, "{}");
        String copy = (String) copies("echo-ic").getFirst().get("copyId");

        client().post().uri("/v1/endpoints/echo/invocations").header(COMPONENT_HEADER, "echo-ic")
                .contentType(MediaType.parseMediaType("text/csv")).bodyValue("1,2,3").exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectHeader().valueEquals("X-Amzn-Invoked-Production-Variant", "AllTraffic")
                .expectHeader().valueEquals("X-Kindling-Copy", copy)
                .expectBody().jsonPath("$.component").isEqualTo("echo-ic")
                .jsonPath("$.copy").isEqualTo(copy)
                .jsonPath("$.contentType").isEqualTo("text/csv")
                .jsonPath("$.echo").isEqualTo("1,2,3");
        // SageMaker's runtime path, without the header: the endpoint's only component answers.
        client().post().uri("/endpoints/echo/invocations").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"inputs\":\"hi\"}").exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Amzn-Invoked-Production-Variant", "AllTraffic")
                .expectBody().jsonPath("$.echo").isEqualTo("{\"inputs\":\"hi\"}");

        // A megabyte each way, once with a Content-Length and once streamed in chunks without one.
        String megabyte = "m".repeat(1 << 20);
        client().post().uri("/v1/endpoints/echo/invocations").contentType(MediaType.TEXT_PLAIN).bodyValue(megabyte)
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.bytes").isEqualTo(1 << 20).jsonPath("$.echo").isEqualTo(megabyte);
        Flux<DataBuffer> chunks = Flux.range(0, 16).map(i -> DefaultDataBufferFactory.sharedInstance
                .wrap("c".repeat(1 << 16).getBytes(StandardCharsets.UTF_8)));
        client().post().uri("/endpoints/echo/invocations").contentType(MediaType.TEXT_PLAIN)
                .body(chunks, DataBuffer.class).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.bytes").isEqualTo(1 << 20).jsonPath("$.contentType").isEqualTo("text/plain");

        Map<String, String> tags = Map.of("endpoint", "echo", "component", "echo-ic");
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(metric("kindling_invocations_total", tags)).isEqualTo(4.0);
            assertThat(metric("kindling_invocation_model_latency_seconds_count", Map.of("copy", copy, "component",
                    "echo-ic", "endpoint", "echo"))).isEqualTo(4.0);
            assertThat(metric("kindling_invocation_overhead_latency_seconds_count", tags)).isEqualTo(4.0);
        });
        assertThat(metric("kindling_invocation_model_latency_seconds_bucket", Map.of("copy", copy, "le", "+Inf")))
                .isEqualTo(4.0);
        assertThat(metric("kindling_invocation_overhead_latency_seconds_bucket", Map.of("component", "echo-ic",
                "le", "0.002"))).as("a bucket at the 2 ms budget").isNotNull();
        assertThat(metric("kindling_copy_in_flight_requests", Map.of("copy", copy, "component", "echo-ic"))).isZero();
        assertThat(metric("kindling_held_requests", tags)).isZero();
        assertThat(metric("kindling_invocation_errors_total", Map.of("component", "echo-ic", "status_class", "4xx"))).isZero();
        assertThat(metric("kindling_invocation_no_capacity_total", Map.of("component", "echo-ic", "reason", "queue_full")))
                .isZero();
    }

    @Test
    void theHeaderIsNeededWhereAnEndpointHasSeveralComponentsAndMustNameOneOfItsOwn() {
        endpoint("pair", 1);
        component("pair-a", "pair", 1, "{}");
        component("pair-b", "pair", 1, "{}");
        endpoint("other", 1);
        component("other-ic", "other", 1, "{}");

        client().post().uri("/v1/endpoints/pair/invocations").header(COMPONENT_HEADER, "pair-b").bodyValue("{}")
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.component").isEqualTo("pair-b");
        client().post().uri("/v1/endpoints/pair/invocations").bodyValue("{}").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/validation-error")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("[pair-a, pair-b]", COMPONENT_HEADER));
        client().post().uri("/v1/endpoints/pair/invocations").header(COMPONENT_HEADER, "other-ic").bodyValue("{}")
                .exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.type").isEqualTo("https://kindling.dev/problems/not-found")
                .jsonPath("$.detail").isEqualTo("endpoint pair has no inference component other-ic");
        client().post().uri("/v1/endpoints/pair/invocations").header(COMPONENT_HEADER, "nope").bodyValue("{}")
                .exchange().expectStatus().isNotFound();
        client().post().uri("/endpoints/nowhere/invocations").bodyValue("{}").exchange()
                .expectStatus().isNotFound()
                .expectHeader().valueEquals("x-amzn-ErrorType", "ValidationError")
                .expectBody().jsonPath("$.detail").isEqualTo("endpoint nowhere does not exist")
                .jsonPath("$.message").isEqualTo("endpoint nowhere does not exist")
                .jsonPath("$.instance").isEqualTo("/endpoints/nowhere/invocations");

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metric(
                "kindling_invocation_errors_total", Map.of("endpoint", "pair", "component", "pair-a", "status_class", "4xx")))
                .as("a request whose component is unknown counts for no component").isZero());
    }

    @Test
    void requestsInFlightAreCountedAndSpreadOverTwoCopiesByLeastOutstandingRequests() throws Exception {
        endpoint("slow", 1);
        component("slow-ic", "slow", 2, "{\"KINDLING_EMULATED_LATENCY_MILLIS\":\"4000\"}");
        List<String> copyIds = copies("slow-ic").stream().map(c -> (String) c.get("copyId")).toList();

        List<CompletableFuture<ResponseEntity<String>>> calls = IntStream.range(0, 8)
                .mapToObj(i -> invokeLater("slow", "slow-ic", "{\"n\":" + i + "}")).toList();
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            double total = 0;
            for (String copy : copyIds) {
                Double inFlight = metric("kindling_copy_in_flight_requests", Map.of("copy", copy));
                assertThat(inFlight).isNotNull();
                total += inFlight;
            }
            assertThat(total).isEqualTo(8.0);
        });

        List<String> servedBy = new ArrayList<>();
        for (CompletableFuture<ResponseEntity<String>> call : calls) {
            ResponseEntity<String> r = call.get(60, TimeUnit.SECONDS);
            assertThat(r.getStatusCode().value()).isEqualTo(200);
            servedBy.add(r.getHeaders().getFirst("X-Kindling-Copy"));
        }
        Map<String, Long> perCopy = servedBy.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(perCopy.keySet()).containsExactlyInAnyOrderElementsOf(copyIds);
        assertThat(Math.abs(perCopy.get(copyIds.get(0)) - perCopy.get(copyIds.get(1)))).as("spread %s", perCopy)
                .isLessThanOrEqualTo(2);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String copy : copyIds) assertThat(metric("kindling_copy_in_flight_requests", Map.of("copy", copy))).isZero();
        });
    }

    @Test
    void aRequestForAComponentWithoutCopiesIsHeldAndServedOnceACopyComesIntoService() throws Exception {
        endpoint("cold", 1);
        post("/v1/inference-components", Fixtures.component("cold-ic", "cold", 0, 0, "{}"));
        routingTable.refresh().block(Duration.ofSeconds(10));

        CompletableFuture<ResponseEntity<String>> call = invokeLater("cold", "cold-ic", "{\"inputs\":\"wake up\"}");
        Map<String, String> tags = Map.of("endpoint", "cold", "component", "cold-ic");
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(metric("kindling_held_requests", tags)).isEqualTo(1.0));
        assertThat(call).isNotDone();

        client().put().uri("/v1/inference-components/cold-ic/runtime-config").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"copyCount\":1}").exchange().expectStatus().isAccepted();

        ResponseEntity<String> answer = call.get(60, TimeUnit.SECONDS);
        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        assertThat(JSON.readTree(answer.getBody()).get("echo").asString()).isEqualTo("{\"inputs\":\"wake up\"}");
        assertThat(metric("kindling_held_requests", tags)).isZero();
        assertThat(metric("kindling_invocation_no_capacity_total", Map.of("component", "cold-ic", "reason", "timeout")))
                .isZero();
    }

    @Test
    void aHeldRequestWhoseClientGoesAwayLeavesTheQueue() throws IOException {
        endpoint("gone", 1);
        post("/v1/inference-components", Fixtures.component("gone-ic", "gone", 0, 0, "{}"));
        routingTable.refresh().block(Duration.ofSeconds(10));
        Map<String, String> tags = Map.of("endpoint", "gone", "component", "gone-ic");

        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/endpoints/gone/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + COMPONENT_HEADER
                    + ": gone-ic\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(metric("kindling_held_requests", tags)).isEqualTo(1.0));
        }
        // The held timeout is five minutes: only the client's going away empties the queue this soon.
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(metric("kindling_held_requests", tags)).isZero());
    }

    @Test
    void boto3InvokesThroughSageMakersRuntimeApi() throws Exception {
        Assumptions.assumeTrue(boto3Available(), "boto3 is not installed for python3 (pip install boto3); skipping the "
                + "check that SageMaker's own client can invoke Kindling");
        endpoint("boto", 1);
        component("boto-ic", "boto", 1, "{}");
        Path script = Files.createTempFile("kindling-boto3-", ".py");
        Files.writeString(script, """
                import json, sys
                import boto3
                from botocore.config import Config
                from botocore.exceptions import ClientError
                url, endpoint, component = sys.argv[1:4]
                runtime = boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                                       aws_access_key_id="kindling", aws_secret_access_key="kindling",
                                       config=Config(retries={"max_attempts": 1, "mode": "standard"}))
                r = runtime.invoke_endpoint(EndpointName=endpoint, InferenceComponentName=component,
                                            ContentType="application/json", Accept="application/json",
                                            Body=b'{"inputs":"from boto3"}')
                out = {"answer": json.loads(r["Body"].read()), "contentType": r["ContentType"],
                       "variant": r["InvokedProductionVariant"]}
                try:
                    runtime.invoke_endpoint(EndpointName="no-such-endpoint", ContentType="application/json", Body=b"{}")
                    out["error"] = None
                except ClientError as e:
                    out["error"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
                print(json.dumps(out))
                """);
        try {
            Process p = new ProcessBuilder("python3", script.toString(), "http://127.0.0.1:" + port, "boto", "boto-ic")
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            var result = JSON.readTree(output.lines().reduce((a, b) -> b).orElseThrow());
            assertThat(result.at("/answer/echo").asString()).isEqualTo("{\"inputs\":\"from boto3\"}");
            assertThat(result.at("/answer/component").asString()).isEqualTo("boto-ic");
            assertThat(result.at("/contentType").asString()).isEqualTo("application/json");
            assertThat(result.at("/variant").asString()).isEqualTo("AllTraffic");
            assertThat(result.at("/error/code").asString()).isEqualTo("ValidationError");
            assertThat(result.at("/error/message").asString()).isEqualTo("endpoint no-such-endpoint does not exist");
            assertThat(result.at("/error/status").asInt()).isEqualTo(404);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static boolean boto3Available() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import boto3").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
