package dev.kindling.api.web;

import dev.kindling.api.service.ApiException;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Every refusal as an RFC 9457 problem document: a type per kind of error, the HTTP status, a detail that says
 * what was wrong, and for bad input an {@code errors} list naming each field and the rule it broke.
 */
@RestControllerAdvice
public class ProblemHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    /** One entry of a problem's {@code errors}: the field and the rule it broke. */
    public record FieldError(String field, String rule) {}
    static final String TYPE_BASE = "https://kindling.dev/problems/";

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e, ServerWebExchange exchange) {
        String type = switch (e.code()) {
            case VALIDATION -> "validation-error";
            case NOT_FOUND -> "not-found";
            case ALREADY_EXISTS -> "already-exists";
            case CONFLICT -> "conflict";
            case PRECONDITION_FAILED -> "precondition-failed";
            case UNAUTHORIZED -> "unauthorized";
            case FORBIDDEN -> "forbidden";
            case UPSTREAM_FAILED -> "upstream-failed";
        };
        String title = switch (e.code()) {
            case VALIDATION -> "Invalid request";
            case NOT_FOUND -> "Not found";
            case ALREADY_EXISTS -> "Already exists";
            case CONFLICT -> "Conflict";
            case PRECONDITION_FAILED -> "Precondition failed";
            case UNAUTHORIZED -> "Unauthorized";
            case FORBIDDEN -> "Forbidden";
            case UPSTREAM_FAILED -> "Bad gateway";
        };
        if (e.code() == ApiException.Code.UNAUTHORIZED) {
            exchange.getResponse().getHeaders().set("WWW-Authenticate", "Bearer");
        }
        return problem(HttpStatus.valueOf(e.code().status), type, title, e.getMessage(), e.violations().stream()
                .map(v -> new FieldError(v.field(), v.rule())).toList(), exchange);
    }

    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ProblemDetail> input(ServerWebInputException e, ServerWebExchange exchange) {
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof JacksonException) && cause.getCause() != cause) {
            if (cause instanceof DecodingException && cause.getCause() == null) break;
            cause = cause.getCause();
        }
        if (cause instanceof UnrecognizedPropertyException u) {
            String field = path(u);
            return problem(HttpStatus.BAD_REQUEST, "validation-error", "Invalid request", field + " is not a known field",
                    List.of(new FieldError(field, "is not a known field; known fields here are "
                            + u.getKnownPropertyIds())), exchange);
        }
        if (cause instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            String field = path(m);
            String expected = m.getTargetType() == null ? "another type" : simpleType(m.getTargetType());
            return problem(HttpStatus.BAD_REQUEST, "validation-error", "Invalid request", field + " must be " + expected,
                    List.of(new FieldError(field, "must be " + expected)), exchange);
        }
        if (cause instanceof JacksonException j) {
            return problem(HttpStatus.BAD_REQUEST, "malformed-request", "Malformed request",
                    "the body is not valid JSON: " + j.getOriginalMessage(), List.of(), exchange);
        }
        String detail = e.getReason() == null ? "the request could not be read" : e.getReason();
        if (e.getMethodParameter() != null && e.getMethodParameter().getParameterName() != null) {
            String name = e.getMethodParameter().getParameterName();
            String rule = "must be " + simpleType(e.getMethodParameter().getParameterType());
            return problem(HttpStatus.BAD_REQUEST, "validation-error", "Invalid request", name + " " + rule,
                    List.of(new FieldError(name, rule)), exchange);
        }
        return problem(HttpStatus.BAD_REQUEST, "malformed-request", "Malformed request", detail, List.of(), exchange);
    }

    @ExceptionHandler(ResponseStatusException.class)
    ResponseEntity<ProblemDetail> status(ResponseStatusException e, ServerWebExchange exchange) {
        HttpStatusCode code = e.getStatusCode();
        String type = code.value() == 404 ? "not-found" : code.value() == 415 ? "unsupported-media-type"
                : code.value() == 405 ? "method-not-allowed" : "http-" + code.value();
        return problem(code, type, HttpStatus.resolve(code.value()) == null ? "Error"
                : HttpStatus.resolve(code.value()).getReasonPhrase(), e.getReason() == null ? e.getMessage() : e.getReason(),
                List.of(), exchange);
    }

    /** The database is down or unreachable: the caller may retry, so 503 rather than 500, and no stack trace. */
    @ExceptionHandler({DataAccessResourceFailureException.class, TransientDataAccessException.class})
    ResponseEntity<ProblemDetail> databaseUnavailable(DataAccessException e, ServerWebExchange exchange) {
        log.atWarn().addKeyValue("path", exchange.getRequest().getPath().value())
                .log("Database unavailable: {}", e.getMostSpecificCause().toString());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable", "Service unavailable",
                "the control plane cannot reach its database; retry shortly", List.of(), exchange);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, ServerWebExchange exchange) {
        log.atError().addKeyValue("path", exchange.getRequest().getPath().value()).setCause(e).log("Request failed");
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
                "the control plane failed to handle this request; it has been logged", List.of(), exchange);
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatusCode status, String type, String title, String detail,
                                                         List<FieldError> errors, ServerWebExchange exchange) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setType(URI.create(TYPE_BASE + type));
        p.setTitle(title);
        p.setInstance(URI.create(exchange.getRequest().getPath().value()));
        if (!errors.isEmpty()) p.setProperty("errors", errors);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }

    private static String path(JacksonException e) {
        StringBuilder b = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                if (!b.isEmpty()) b.append('.');
                b.append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.isEmpty() ? "body" : b.toString();
    }

    private static String simpleType(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "an integer";
        if (type == Double.class || type == double.class) return "a number";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a string";
        if (java.util.List.class.isAssignableFrom(type)) return "an array";
        if (java.util.Map.class.isAssignableFrom(type)) return "an object of string values";
        return "an object";
    }
}
