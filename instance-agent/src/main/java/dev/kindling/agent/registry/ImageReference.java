package dev.kindling.agent.registry;

import java.util.regex.Pattern;

/**
 * An image reference, {@code registry/repository[:tag][@digest]}, such as
 * {@code 123456789012.dkr.ecr.us-east-1.amazonaws.com/lmi:0.33} or {@code 127.0.0.1:5000/llm@sha256:...}.
 * The registry part is required unless the agent has a default registry (the embedded registry of a local fleet):
 * Kindling pulls from private registries, never from an implicit Docker Hub.
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    private static final Pattern REPOSITORY = Pattern.compile("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$");
    private static final Pattern TAG = Pattern.compile("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");

    public static ImageReference parse(String reference) {
        return parse(reference, null);
    }

    /**
     * Parses a reference; one whose first part is not a registry host ({@code team/model:1}) names an image of
     * {@code defaultRegistry}, when there is one.
     */
    public static ImageReference parse(String reference, String defaultRegistry) {
        if (reference == null || reference.isBlank()) throw new IllegalArgumentException("image reference is empty");
        int firstSlash = reference.indexOf('/');
        String first = firstSlash < 0 ? "" : reference.substring(0, firstSlash);
        if (defaultRegistry != null && !isHost(first)) {
            reference = defaultRegistry + "/" + reference;
        }
        String rest = reference;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("image reference needs a registry host: " + reference);
        }
        String registry = rest.substring(0, slash);
        if (!isHost(registry)) {
            throw new IllegalArgumentException("image reference needs a registry host (with a dot or a port): " + reference);
        }
        String path = rest.substring(slash + 1);
        String tag = null;
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            tag = path.substring(colon + 1);
            path = path.substring(0, colon);
            if (!TAG.matcher(tag).matches()) throw new IllegalArgumentException("bad tag '" + tag + "' in " + reference);
        }
        if (!REPOSITORY.matcher(path).matches()) {
            throw new IllegalArgumentException("bad repository '" + path + "' in " + reference);
        }
        if (tag == null && digest == null) tag = "latest";
        return new ImageReference(registry, path, tag, digest);
    }

    private static boolean isHost(String s) {
        return s.contains(".") || s.contains(":") || s.equals("localhost");
    }

    /** The same image on another registry host (a mirror serving the same repositories). */
    public ImageReference onRegistry(String host) {
        return new ImageReference(host, repository, tag, digest);
    }

    /** What to ask the registry for: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
