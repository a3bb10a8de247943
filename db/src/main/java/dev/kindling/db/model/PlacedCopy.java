package dev.kindling.db.model;

/**
 * A copy with why it was placed where it is: the explanation placement gave (as JSON), or null for a copy placed
 * before placements were recorded. Read apart from {@link Copy}, since only the explain API needs it.
 */
public record PlacedCopy(Copy copy, String placementJson) {}
