package dev.kindling.api.web;

import dev.kindling.api.router.InvocationRouter;
import dev.kindling.api.router.InvocationRouter.ModelErrors;
import dev.kindling.api.router.RouterException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import tools.jackson.databind.json.JsonMapper;

/**
 * Invocations: Kindling's {@code POST /v1/endpoints/{name}/invocations} and SageMaker's runtime
 * {@code POST /endpoints/{name}/invocations} (what boto3's {@code invoke_endpoint} sends), both naming the inference
 * component in {@code X-Amzn-SageMaker-Inference-Component}. Refusals are RFC 9457 problem documents; on the
 * SageMaker path they also carry SageMaker's error code ({@code x-amzn-ErrorType}) and {@code message}, and a
 * model's own error becomes SageMaker's ModelError.
 *
 * <p>Served as Reactor Netty routes of the web server, ahead of Spring's web handler: the data path skips the
 * exchange, filter chain, route matching and HTTP observation that every other request goes through (the router
 * has meters of its own). Anything else, a GET on these paths included, goes on to the application.
 */
@Component
public class InvocationRoutes implements NettyRouteProvider {

    static final String KINDLING_PATH = "/v1/endpoints/{name}/invocations";
    static final String SAGEMAKER_PATH = "/endpoints/{name}/invocations";

    private static final Logger log = LoggerFactory.getLogger(InvocationRoutes.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";

    private final InvocationRouter router;

    public InvocationRoutes(InvocationRouter router) {
        this.router = router;
    }

    @Override
    public HttpServerRoutes apply(HttpServerRoutes routes) {
        return routes
                .post(KINDLING_PATH, (request, response) -> invoke(request, response, false))
                .post(SAGEMAKER_PATH, (request, response) -> invoke(request, response, true));
    }

    private Mono<Void> invoke(HttpServerRequest request, HttpServerResponse response, boolean sageMaker) {
        String endpointName = request.param("name");
        return router.invoke(endpointName == null ? "" : endpointName, request, response,
                        sageMaker ? ModelErrors.AS_MODEL_ERROR : ModelErrors.PASS_THROUGH)
                .onErrorResume(e -> problem(request, response, e, sageMaker));
    }

    private static Mono<Void> problem(HttpServerRequest request, HttpServerResponse response, Throwable e, boolean sageMaker) {
        if (response.hasSentHeaders()) return Mono.error(e); // the answer is under way: all that is left is to cut it off
        RouterException r = e instanceof RouterException re ? re : null;
        if (r == null) {
            log.atError().addKeyValue("path", request.fullPath()).setCause(e).log("Invocation failed");
        }
        int status = r == null ? 500 : r.code().status;
        String detail = r == null ? "the control plane failed to handle this invocation; it has been logged" : r.getMessage();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", ProblemHandler.TYPE_BASE + type(r));
        body.put("title", title(r));
        body.put("status", status);
        body.put("detail", detail);
        body.put("instance", request.fullPath());
        HttpHeaders headers = response.responseHeaders();
        headers.clear();
        if (sageMaker) {
            body.put("message", detail);
            if (r != null && r.code() == RouterException.Code.MODEL_ERROR) {
                body.put("OriginalStatusCode", r.modelStatus());
                body.put("OriginalMessage", r.modelMessage());
            }
            headers.set(ERROR_TYPE_HEADER, sageMakerCode(r));
        }
        if (r != null && r.retryAfterSeconds() > 0) headers.set(HttpHeaderNames.RETRY_AFTER, Integer.toString(r.retryAfterSeconds()));
        headers.set(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        byte[] bytes = JSON.writeValueAsBytes(body);
        headers.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        response.status(status);
        return response.sendByteArray(Mono.just(bytes)).then();
    }

    private static String type(RouterException r) {
        if (r == null) return "internal-error";
        return switch (r.code()) {
            case VALIDATION -> "validation-error";
            case NOT_FOUND -> "not-found";
            case PAYLOAD_TOO_LARGE -> "payload-too-large";
            case MODEL_ERROR -> "model-error";
            case TOO_MANY_REQUESTS -> "too-many-requests";
            case UPSTREAM_FAILED -> "upstream-failed";
            case NO_CAPACITY -> "no-capacity";
            case TIMEOUT -> "invocation-timeout";
        };
    }

    private static String title(RouterException r) {
        if (r == null) return "Internal error";
        return switch (r.code()) {
            case VALIDATION -> "Invalid request";
            case NOT_FOUND -> "Not found";
            case PAYLOAD_TOO_LARGE -> "Payload too large";
            case MODEL_ERROR -> "Model error";
            case TOO_MANY_REQUESTS -> "Too many requests";
            case UPSTREAM_FAILED -> "Bad gateway";
            case NO_CAPACITY -> "No capacity";
            case TIMEOUT -> "Gateway timeout";
        };
    }

    /** SageMaker runtime's error code, which boto3 raises as the ClientError's code. */
    private static String sageMakerCode(RouterException r) {
        if (r == null) return "InternalFailure";
        return switch (r.code()) {
            case VALIDATION, NOT_FOUND, PAYLOAD_TOO_LARGE -> "ValidationError";
            case TOO_MANY_REQUESTS -> "ThrottlingException";
            case NO_CAPACITY -> "ServiceUnavailable";
            case MODEL_ERROR, UPSTREAM_FAILED, TIMEOUT -> "ModelError";
        };
    }
}
