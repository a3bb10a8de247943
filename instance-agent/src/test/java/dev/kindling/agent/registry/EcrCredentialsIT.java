package dev.kindling.agent.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;

/** ECR tokens from a stubbed ECR endpoint through the AWS SDK: used as Basic auth, cached, refreshed before expiry. */
class EcrCredentialsIT {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private volatile int ecrStatus = 200;
    private HttpServer ecr;
    private HttpServer registry;

    private static final class ManualClock extends Clock {
        volatile Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @AfterEach
    void stop() {
        if (ecr != null) ecr.stop(0);
        if (registry != null) registry.stop(0);
    }

    private EcrClient ecrClient() throws IOException {
        ecr = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        ecr.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            int n = tokenCalls.incrementAndGet();
            String token = Base64.getEncoder().encodeToString(("AWS:secret-" + n).getBytes(StandardCharsets.UTF_8));
            String body = ecrStatus == 200
                    ? "{\"authorizationData\":[{\"authorizationToken\":\"" + token + "\",\"expiresAt\":"
                      + T0.plus(Duration.ofHours(12)).getEpochSecond() + ",\"proxyEndpoint\":\"https://x\"}]}"
                    : "{\"__type\":\"ServerException\",\"message\":\"ECR is down\"}";
            send(ex, ecrStatus, body, "application/x-amz-json-1.1");
        });
        ecr.start();
        return EcrClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + ecr.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).apiCallTimeout(Duration.ofSeconds(10)))
                .build();
    }

    private static void send(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Test
    void recognisesEcrHostsOnly() {
        assertThat(EcrCredentials.ECR_HOSTS.test("123456789012.dkr.ecr.us-east-1.amazonaws.com")).isTrue();
        assertThat(EcrCredentials.ECR_HOSTS.test("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com")).isTrue();
        assertThat(EcrCredentials.ECR_HOSTS.test("127.0.0.1:5000")).isFalse();
        assertThat(EcrCredentials.ECR_HOSTS.test("evil.com/123456789012.dkr.ecr.us-east-1.amazonaws.com")).isFalse();
    }

    @Test
    void aTokenIsCachedAndRefreshedAheadOfItsExpiry() throws IOException {
        ManualClock clock = new ManualClock();
        try (EcrClient client = ecrClient()) {
            EcrCredentials creds = new EcrCredentials(client, host -> true, clock, Duration.ofMinutes(30));
            assertThat(creds.forRegistry("r").orElseThrow()).isEqualTo(new RegistryCredentials.Basic("AWS", "secret-1"));
            clock.now = T0.plus(Duration.ofHours(11));
            assertThat(creds.forRegistry("r").orElseThrow().password()).isEqualTo("secret-1");
            assertThat(tokenCalls).hasValue(1);
            clock.now = T0.plus(Duration.ofHours(11)).plus(Duration.ofMinutes(31));
            assertThat(creds.forRegistry("r").orElseThrow().password()).isEqualTo("secret-2");
            assertThat(tokenCalls).hasValue(2);
        }
    }

    @Test
    void aRegistryAskingForBasicAuthGetsTheEcrToken() throws IOException {
        String expected = new RegistryCredentials.Basic("AWS", "secret-1").header();
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        registry.createContext("/", ex -> {
            if (expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 200, "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\"c\","
                        + "\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":2},\"layers\":[]}", RegistryClient.OCI_MANIFEST);
            } else {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"ecr\"");
                ex.sendResponseHeaders(401, -1);
                ex.close();
            }
        });
        registry.start();
        String host = "127.0.0.1:" + registry.getAddress().getPort();
        try (EcrClient client = ecrClient();
             RegistryClient c = RegistryClient.forReference(ImageReference.parse(host + "/x"),
                     new EcrCredentials(client, h -> h.equals(host), Clock.systemUTC(), Duration.ofMinutes(30)), Duration.ofSeconds(10))) {
            assertThat(c.pullManifest(ImageReference.parse(host + "/lmi:latest")).layers()).isEmpty();
        }
    }

    @Test
    void anEcrFailureIsNamed() throws IOException {
        ecrStatus = 500;
        try (EcrClient client = ecrClient()) {
            EcrCredentials creds = new EcrCredentials(client, host -> true, Clock.systemUTC(), Duration.ofMinutes(30));
            assertThatThrownBy(() -> creds.forRegistry("123456789012.dkr.ecr.us-east-1.amazonaws.com"))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("ECR GetAuthorizationToken for 123456789012.dkr.ecr.us-east-1.amazonaws.com failed");
        }
    }
}
