package dev.kindling.scaler.policy;

/** One broken rule: the JSON path of the offending field and the rule it breaks, in words. */
public record PolicyViolation(String field, String rule) {}
