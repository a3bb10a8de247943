package dev.kindling.api.router;

import java.net.ConnectException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Carries one invocation to a copy of its inference component and streams the answer back: resolves the component
 * in the routing table, takes a copy (or holds the request until there is one), proxies body and content type
 * without buffering, and counts the request in the component's load and meters however it ends. Never touches the
 * database. Fails with {@link RouterException} only before anything was written to the client.
 */
public final class InvocationRouter {

    /** The request header that names the inference component (SageMaker's). */
    public static final String COMPONENT_HEADER = "X-Amzn-SageMaker-Inference-Component";
    public static final String CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes";
    /** The response header that names the variant that served (SageMaker's). */
    public static final String VARIANT_HEADER = "X-Amzn-Invoked-Production-Variant";
    /** The response header that names the copy that served. */
    public static final String COPY_HEADER = "X-Kindling-Copy";

    /** What a model's own 4xx or 5xx answer becomes. */
    public enum ModelErrors {
        /** The client gets the model's status and body (Kindling's API). */
        PASS_THROUGH,
        /** A {@link RouterException.Code#MODEL_ERROR} carrying them (SageMaker's runtime API). */
        AS_MODEL_ERROR
    }

    private final RoutingTable table;
    private final LoopClients clients;
    private final RouterSettings settings;
    private final Clock clock;
    private final LongSupplier nanos;
    private final Supplier<CopyServedListener> served;

    /**
     * @param clients pooled Reactor Netty clients, one per event loop of the web server
     * @param served told when a copy first answers 2xx (looked up when needed)
     */
    public InvocationRouter(RoutingTable table, LoopClients clients, RouterSettings settings, Clock clock, LongSupplier nanos,
                            Supplier<CopyServedListener> served) {
        this.table = table;
        this.clients = clients;
        this.settings = settings;
        this.clock = clock;
        this.nanos = nanos;
        this.served = served;
    }

    /**
     * Invokes endpoint {@code endpointName} with the request and writes the answer to the response: Reactor Netty's
     * own request and response, so an invocation costs no web framework objects on its way through.
     */
    public Mono<Void> invoke(String endpointName, HttpServerRequest request, HttpServerResponse response,
                             ModelErrors modelErrors) {
        long arrived = nanos.getAsLong();
        if (!table.loaded()) {
            return table.whenLoaded(settings.invocationTimeout())
                    .then(Mono.defer(() -> route(endpointName, request, response, modelErrors, arrived)));
        }
        return route(endpointName, request, response, modelErrors, arrived);
    }

    private Mono<Void> route(String endpointName, HttpServerRequest request, HttpServerResponse response,
                             ModelErrors modelErrors, long arrived) {
        HttpHeaders in = request.requestHeaders();
        RoutedComponent component;
        try {
            component = table.resolve(endpointName, in.get(COMPONENT_HEADER), COMPONENT_HEADER);
        } catch (RouterException e) {
            return Mono.error(e);
        }
        EventLoop loop = LoopClients.loopOf(request);
        Invocation inv = new Invocation(component, arrived, clients.forLoop(loop));
        component.arrive(arrived);
        long declared = contentLength(in);
        Mono<Void> proxied;
        if (declared > settings.maxRequestBytes()) {
            proxied = Mono.error(RouterException.payloadTooLarge(settings.maxRequestBytes()));
        } else {
            // Retained as they arrive: the client's send releases each once written to the copy.
            Flux<ByteBuf> body = limited(request.receive().retain(), declared);
            EventExecutor timer = loop != null ? loop : GlobalEventExecutor.INSTANCE;
            proxied = component.acquire(arrived, inv).flatMap(copy -> new LoopTimeout(
                    forward(inv, copy, in, response, body, declared, modelErrors, true), timer,
                    settings.invocationTimeout().toNanos(), () -> RouterException.timeout(component.componentName,
                            inv.copy.copyId, settings.invocationTimeout())));
        }
        return proxied.doOnError(e -> inv.error = e).doFinally(signal -> finish(inv, signal));
    }

    private static long contentLength(HttpHeaders headers) {
        String v = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (v == null) return -1;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1; // Netty's decoder refuses such a request before it gets here
        }
    }

    /** A body without a Content-Length is counted as it streams, and cut off past the limit. */
    private Flux<ByteBuf> limited(Flux<ByteBuf> body, long declared) {
        if (declared >= 0) return body; // the server frames the body by its Content-Length, checked already
        long limit = settings.maxRequestBytes();
        long[] seen = {0};
        return body.handle((buffer, sink) -> {
            seen[0] += buffer.readableBytes();
            if (seen[0] > limit) {
                buffer.release();
                sink.error(RouterException.payloadTooLarge(limit));
            } else {
                sink.next(buffer);
            }
        });
    }

    private Mono<Void> forward(Invocation inv, RoutedCopy copy, HttpHeaders in, HttpServerResponse out, Flux<ByteBuf> body,
                               long declared, ModelErrors modelErrors, boolean mayRetry) {
        inv.copy = copy;
        inv.dispatchedNanos = nanos.getAsLong();
        // Reactor Netty's client without WebClient's layers (request and response wrappers, header adapters, the
        // exchange strategies): a third of the router's CPU per request went there.
        return copy.sender(inv.client)
                .send((request, outbound) -> {
                    HttpHeaders headers = request.requestHeaders();
                    copyHeader(in, headers, HttpHeaderNames.CONTENT_TYPE);
                    copyHeader(in, headers, HttpHeaderNames.ACCEPT);
                    copyHeader(in, headers, CUSTOM_ATTRIBUTES_HEADER);
                    if (declared >= 0) headers.set(HttpHeaderNames.CONTENT_LENGTH, declared);
                    return outbound.send(body);
                })
                .response((response, content) -> relay(inv, copy, response, content, out, modelErrors))
                .then()
                .doFinally(signal -> copy.release())
                .onErrorResume(e -> retryOrFail(e, inv, copy, in, out, body, declared, modelErrors, mayRetry));
    }

    private Mono<Void> relay(Invocation inv, RoutedCopy copy, HttpClientResponse response, ByteBufFlux content,
                             HttpServerResponse out, ModelErrors modelErrors) {
        int status = response.status().code();
        inv.status = status;
        if (status >= 400 && modelErrors == ModelErrors.AS_MODEL_ERROR) {
            return content.aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap(text -> {
                inv.answered(nanos.getAsLong());
                return Mono.error(RouterException.modelError(inv.component.componentName, copy.copyId, status, text));
            });
        }
        if (status / 100 == 2 && copy.firstServed()) {
            served.get().firstServed(copy.copyId, clock.instant());
        }
        out.status(status);
        HttpHeaders from = response.responseHeaders();
        HttpHeaders to = out.responseHeaders();
        copyHeader(from, to, HttpHeaderNames.CONTENT_TYPE);
        copyHeader(from, to, HttpHeaderNames.CONTENT_LENGTH);
        copyHeader(from, to, CUSTOM_ATTRIBUTES_HEADER);
        to.set(VARIANT_HEADER, inv.component.variantName());
        to.set(COPY_HEADER, copy.copyId);
        // Streamed through as it arrives, so the write ends with the model's last byte. Reactor Netty releases each
        // received buffer once it is handed on, so it is retained here and released by the server's write.
        return out.send(content.retain()).then().doOnSuccess(v -> inv.answered(nanos.getAsLong()));
    }

    private Mono<Void> retryOrFail(Throwable e, Invocation inv, RoutedCopy copy, HttpHeaders in, HttpServerResponse out,
                                   Flux<ByteBuf> body, long declared, ModelErrors modelErrors, boolean mayRetry) {
        RouterException own = cause(e, RouterException.class);
        if (own != null) return Mono.error(own);
        String component = inv.component.componentName;
        if (cause(e, ConnectException.class) != null) {
            // Refused (or timed out) while connecting: nothing of the request was sent, so another copy may take it.
            inv.component.refused(copy);
            if (mayRetry) {
                RoutedCopy other = inv.component.takeOther(copy);
                if (other != null) return forward(inv, other, in, out, body, declared, modelErrors, false);
            }
            return Mono.error(RouterException.upstreamFailed("copy " + copy.copyId + " of inference component " + component
                    + " refused the connection" + (mayRetry ? " and no other copy is in service"
                    : " after another copy did too"), e));
        }
        if (poolExhausted(e)) return Mono.error(RouterException.connectionsExhausted(copy.copyId, e));
        return Mono.error(RouterException.upstreamFailed("copy " + copy.copyId + " of inference component " + component
                + " failed during the request: " + rootMessage(e), e));
    }

    private void finish(Invocation inv, SignalType signal) {
        long now = nanos.getAsLong();
        RoutedComponent c = inv.component;
        c.depart(now);
        if (signal == SignalType.CANCEL) return; // the client went away; nothing was answered
        long model = 0;
        if (inv.answered) {
            model = inv.answeredNanos - inv.dispatchedNanos;
            inv.copy.meters.modelLatency.record(model, TimeUnit.NANOSECONDS);
        }
        c.meters.overhead.record(Math.max(0, now - inv.arrivedNanos - inv.heldNanos - model), TimeUnit.NANOSECONDS);
        int status = inv.status;
        if (signal == SignalType.ON_ERROR) {
            if (inv.error instanceof RouterException r) {
                status = r.code() == RouterException.Code.MODEL_ERROR ? r.modelStatus() : r.code().status;
                if (r.noCapacityReason() != null) c.meters.noCapacity(r.noCapacityReason()).increment();
            } else {
                status = 500;
            }
        }
        if (status >= 500) {
            c.meters.serverErrors.increment();
        } else if (status >= 400) {
            c.meters.clientErrors.increment();
        }
    }

    private static void copyHeader(HttpHeaders from, HttpHeaders to, CharSequence name) {
        String v = from.get(name);
        if (v != null) to.set(name, v);
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    /** Reactor Netty's pool refused a connection: too many requests already wait for one to this copy. */
    private static boolean poolExhausted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getSimpleName().startsWith("PoolAcquire")) return true;
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** One request's way through the router, for its accounting when it ends. */
    private static final class Invocation implements RoutedComponent.HeldTime {
        final RoutedComponent component;
        final long arrivedNanos;
        /** The client of the request's own event loop. */
        final HttpClient client;
        long heldNanos;
        RoutedCopy copy;
        long dispatchedNanos;
        long answeredNanos;
        boolean answered;
        int status;
        Throwable error;

        Invocation(RoutedComponent component, long arrivedNanos, HttpClient client) {
            this.component = component;
            this.arrivedNanos = arrivedNanos;
            this.client = client;
        }

        void answered(long atNanos) {
            answeredNanos = atNanos;
            answered = true;
        }

        @Override
        public void waited(long nanos) {
            heldNanos = nanos;
        }
    }
}
