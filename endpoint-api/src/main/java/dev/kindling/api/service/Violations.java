package dev.kindling.api.service;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Collects every broken rule of a request, so one answer names them all. */
public final class Violations {

    /** SageMaker's rule for endpoint, config, variant and component names. */
    public static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");
    public static final String NAME_RULE = "must be 1 to 63 characters of letters, digits and hyphens, "
            + "starting and ending with a letter or digit";

    private final List<ApiException.Violation> list = new ArrayList<>();

    public Violations add(String field, String rule) {
        list.add(new ApiException.Violation(field, rule));
        return this;
    }

    /** Adds a violation when {@code broken}; returns whether the rule held. */
    public boolean check(boolean holds, String field, String rule) {
        if (!holds) add(field, rule);
        return holds;
    }

    public boolean required(Object value, String field) {
        return check(value != null && !(value instanceof String s && s.isBlank())
                && !(value instanceof Collection<?> c && c.isEmpty()), field, "is required");
    }

    public void name(String value, String field) {
        if (required(value, field)) check(NAME.matcher(value).matches(), field, NAME_RULE);
    }

    public void range(Number value, String field, long min, long max) {
        if (value != null) {
            check(value.doubleValue() >= min && value.doubleValue() <= max, field, "must be between " + min + " and " + max);
        }
    }

    public int size() {
        return list.size();
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public void throwIfAny() {
        if (!list.isEmpty()) throw toException();
    }

    public ApiException toException() {
        return ApiException.invalid(list);
    }
}
