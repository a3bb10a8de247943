package dev.kindling.api.web;

import dev.kindling.api.router.InvocationRouter;
import dev.kindling.api.router.InvocationRouter.ModelErrors;
import dev.kindling.api.router.RouterException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Invocations: Kindling's {@code POST /v1/endpoints/{name}/invocations} and SageMaker's runtime
 * {@code POST /endpoints/{name}/invocations} (what boto3's {@code invoke_endpoint} sends), both naming the inference
 * component in {@code X-Amzn-SageMaker-Inference-Component}. Refusals are RFC 9457 problem documents; on the
 * SageMaker path they also carry SageMaker's error code ({@code x-amzn-ErrorType}) and {@code message}, and a
 * model's own error becomes SageMaker's ModelError.
 */
@Component
public class InvocationController implements WebFilter, Ordered {

    private static final String KINDLING_PREFIX = "/v1/endpoints/";
    private static final String SAGEMAKER_PREFIX = "/endpoints/";
    private static final String SUFFIX = "/invocations";

    private static final Logger log = LoggerFactory.getLogger(InvocationController.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";

    private final InvocationRouter router;

    public InvocationController(InvocationRouter router) {
        this.router = router;
    }

    /**
     * Serves {@code POST .../endpoints/{name}/invocations} ahead of every other filter and of handler mapping: the
     * data path skips route matching and the HTTP server observation (the router has meters of its own), which were
     * most of its overhead. Anything else, a GET on these paths included, goes on to the application.
     */
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getMethod() != HttpMethod.POST) return chain.filter(exchange);
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.endsWith(SUFFIX)) return chain.filter(exchange);
        boolean kindling = path.startsWith(KINDLING_PREFIX);
        boolean sageMaker = !kindling && path.startsWith(SAGEMAKER_PREFIX);
        if (!kindling && !sageMaker) return chain.filter(exchange);
        int from = kindling ? KINDLING_PREFIX.length() : SAGEMAKER_PREFIX.length();
        int to = path.length() - SUFFIX.length();
        if (to <= from || path.indexOf('/', from) != to) return chain.filter(exchange);
        String endpointName = path.substring(from, to);
        return router.invoke(endpointName, exchange, sageMaker ? ModelErrors.AS_MODEL_ERROR : ModelErrors.PASS_THROUGH)
                .onErrorResume(e -> problem(exchange, e, sageMaker));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    private static Mono<Void> problem(ServerWebExchange exchange, Throwable e, boolean sageMaker) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) return Mono.error(e); // the answer is under way: all that is left is to cut it off
        RouterException r = e instanceof RouterException re ? re : null;
        if (r == null) {
            log.atError().addKeyValue("path", exchange.getRequest().getPath().value()).setCause(e).log("Invocation failed");
        }
        int status = r == null ? 500 : r.code().status;
        String detail = r == null ? "the control plane failed to handle this invocation; it has been logged" : r.getMessage();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", ProblemHandler.TYPE_BASE + type(r));
        body.put("title", title(r));
        body.put("status", status);
        body.put("detail", detail);
        body.put("instance", exchange.getRequest().getPath().value());
        HttpHeaders headers = response.getHeaders();
        headers.clear();
        if (sageMaker) {
            body.put("message", detail);
            if (r != null && r.code() == RouterException.Code.MODEL_ERROR) {
                body.put("OriginalStatusCode", r.modelStatus());
                body.put("OriginalMessage", r.modelMessage());
            }
            headers.set(ERROR_TYPE_HEADER, sageMakerCode(r));
        }
        if (r != null && r.retryAfterSeconds() > 0) headers.set(HttpHeaders.RETRY_AFTER, Integer.toString(r.retryAfterSeconds()));
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] bytes = JSON.writeValueAsBytes(body);
        headers.setContentLength(bytes.length);
        response.setStatusCode(HttpStatusCode.valueOf(status));
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
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
