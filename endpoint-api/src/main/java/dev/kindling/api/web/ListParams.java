package dev.kindling.api.web;

import dev.kindling.api.service.Violations;
import dev.kindling.db.store.ListQuery;
import java.util.Arrays;

/** Turns list query parameters into a {@link ListQuery}, naming the parameter and the rule when one is bad. */
final class ListParams {

    static final int MAX_RESULTS = 100;

    private ListParams() {}

    static ListQuery of(Integer maxResults, String nextToken, String nameContains, String statusEquals,
                        Class<? extends Enum<?>> statuses, String parent, int defaultMaxResults) {
        Violations v = new Violations();
        if (maxResults != null) v.range(maxResults, "maxResults", 1, MAX_RESULTS);
        String after = null;
        if (nextToken != null) {
            try {
                after = ListQuery.decodeToken(nextToken);
            } catch (IllegalArgumentException e) {
                v.add("nextToken", "must be a nextToken returned by a previous page of this listing");
            }
        }
        if (nameContains != null) v.check(nameContains.length() <= 63, "nameContains", "must be at most 63 characters");
        if (statusEquals != null && statuses != null) {
            v.check(Arrays.stream(statuses.getEnumConstants()).anyMatch(s -> s.name().equals(statusEquals)),
                    "statusEquals", "must be one of " + Arrays.toString(statuses.getEnumConstants()) + ", was '"
                            + statusEquals + "'");
        }
        if (!v.isEmpty()) throw v.toException();
        return new ListQuery(blankToNull(nameContains), blankToNull(statusEquals), blankToNull(parent), after,
                maxResults == null ? defaultMaxResults : maxResults);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

}
