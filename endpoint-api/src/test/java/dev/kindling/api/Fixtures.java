package dev.kindling.api;

import dev.kindling.agent.TestTars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Random;

/** Request bodies the API tests start from, and the images and model they name. */
public final class Fixtures {

    /** Images components name; {@link ApiTestSupport} generates them in the embedded registry. The first is an ECR
     * name, which the embedded registry answers for as repository {@code model}. */
    public static final List<String> IMAGES = List.of("model:1", "repo/model:2", "repo/model:7");
    public static final String IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1";
    public static final String MODEL_BUCKET = "models";
    public static final String MODEL_KEY = "shared/model.tar.gz";
    public static final String MODEL = "s3://" + MODEL_BUCKET + "/" + MODEL_KEY;

    private Fixtures() {}

    /** Uploads a small model.tar.gz (one weights file) to an S3-compatible endpoint that asks for no credentials. */
    public static void putModel(URI s3, String bucket, String key) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            byte[] weights = new byte[100_000];
            new Random(1).nextBytes(weights);
            send(http, HttpRequest.newBuilder(s3.resolve("/" + bucket)).PUT(HttpRequest.BodyPublishers.noBody()).build());
            send(http, HttpRequest.newBuilder(s3.resolve("/" + bucket + "/" + key))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(TestTars.tar(true, "weights.bin", weights))).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
            throw new IOException(request.method() + " " + request.uri() + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    public static String config(String name, String instanceType, int instances) {
        return """
                {"endpointConfigName":"%s","productionVariants":[{"variantName":"AllTraffic",
                 "instanceType":"%s","initialInstanceCount":%d}]}""".formatted(name, instanceType, instances);
    }

    public static String endpoint(String name, String config) {
        return """
                {"endpointName":"%s","endpointConfigName":"%s"}""".formatted(name, config);
    }

    public static String component(String name, String endpoint, int accelerators, int copies, String environment) {
        return """
                {"inferenceComponentName":"%s","endpointName":"%s","variantName":"AllTraffic",
                 "specification":{"container":{"image":"%s",
                   "artifactUrl":"%s","environment":%s},
                   "computeResourceRequirements":{"numberOfAcceleratorDevicesRequired":%d,"numberOfCpuCoresRequired":1,
                   "minMemoryRequiredInMb":2048}},
                 "runtimeConfig":{"copyCount":%d}}""".formatted(name, endpoint, IMAGE, MODEL, environment, accelerators, copies);
    }
}
