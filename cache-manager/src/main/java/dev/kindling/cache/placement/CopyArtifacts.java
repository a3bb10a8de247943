package dev.kindling.cache.placement;

/**
 * What a copy needs on its instance's disk before it can start: its container image (by the reference the component
 * names) and its model artifact (by URL; null when the image carries the model).
 */
public record CopyArtifacts(String image, String artifactUrl) {

    /** A copy whose needs placement does not know: no instance is warm for it. */
    public static final CopyArtifacts UNKNOWN = new CopyArtifacts(null, null);
}
