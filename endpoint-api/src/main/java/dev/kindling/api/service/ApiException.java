package dev.kindling.api.service;

import java.util.List;

/** A request the control plane refuses, with a code the web layer maps to an HTTP status and problem type. */
public final class ApiException extends RuntimeException {

    /** Why a request was refused. */
    public enum Code {
        VALIDATION(400), NOT_FOUND(404), ALREADY_EXISTS(409), CONFLICT(409), PRECONDITION_FAILED(412),
        /** The caller did not say who it is (an agent without its instance's secret). */
        UNAUTHORIZED(401),
        /** The caller is not who it claims to be, or may not do this (a wrong secret, another endpoint's claim). */
        FORBIDDEN(403),
        /** A system the control plane called for this request (another registry, a store) failed. */
        UPSTREAM_FAILED(502);

        public final int status;

        Code(int status) {
            this.status = status;
        }
    }

    /** One broken rule: the field (a JSON path such as {@code productionVariants[0].instanceType}) and the rule. */
    public record Violation(String field, String rule) {}

    private final Code code;
    private final List<Violation> violations;

    private ApiException(Code code, String message, List<Violation> violations) {
        super(message);
        this.code = code;
        this.violations = List.copyOf(violations);
    }

    public static ApiException invalid(List<Violation> violations) {
        String detail = violations.size() == 1 ? violations.getFirst().field() + " " + violations.getFirst().rule()
                : violations.size() + " fields are invalid: " + String.join("; ",
                        violations.stream().map(v -> v.field() + " " + v.rule()).toList());
        return new ApiException(Code.VALIDATION, detail, violations);
    }

    public static ApiException invalid(String field, String rule) {
        return invalid(List.of(new Violation(field, rule)));
    }

    public static ApiException notFound(String kind, String name) {
        return new ApiException(Code.NOT_FOUND, kind + " " + name + " does not exist", List.of());
    }

    /** Not found, and why: {@code because} is what the lookup learnt (e.g. a source registry's answer). */
    public static ApiException notFound(String kind, String name, String because) {
        return new ApiException(Code.NOT_FOUND, kind + " " + name + " does not exist: " + because, List.of());
    }

    public static ApiException alreadyExists(String kind, String name) {
        return new ApiException(Code.ALREADY_EXISTS, kind + " " + name + " already exists", List.of());
    }

    public static ApiException conflict(String message) {
        return new ApiException(Code.CONFLICT, message, List.of());
    }

    public static ApiException preconditionFailed(String kind, String name, long current) {
        return new ApiException(Code.PRECONDITION_FAILED, kind + " " + name + " has changed: If-Match does not match its "
                + "current ETag \"" + current + "\"; read it again and retry", List.of());
    }

    /** {@code message} says which credentials were missing and where they go. */
    public static ApiException unauthorized(String message) {
        return new ApiException(Code.UNAUTHORIZED, message, List.of());
    }

    /** {@code message} says what was refused; it never repeats the credentials that were presented. */
    public static ApiException forbidden(String message) {
        return new ApiException(Code.FORBIDDEN, message, List.of());
    }

    /** {@code message} says which system failed and how, e.g. "pulling manifest 1 of registry.example.com/x: HTTP 500". */
    public static ApiException upstreamFailed(String message) {
        return new ApiException(Code.UPSTREAM_FAILED, message, List.of());
    }

    public Code code() {
        return code;
    }

    public List<Violation> violations() {
        return violations;
    }
}
