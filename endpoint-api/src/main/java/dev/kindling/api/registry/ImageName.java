package dev.kindling.api.registry;

import java.util.regex.Pattern;

/**
 * Where an image lives in the embedded registry: a repository and a tag, written {@code demo/model-server:1}.
 * No registry host: the registry is this control plane.
 */
public record ImageName(String repository, String tag) {

    /** The OCI Distribution name grammar: lower-case components separated by slashes. */
    public static final Pattern REPOSITORY =
            Pattern.compile("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$");
    public static final Pattern TAG = Pattern.compile("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$");
    /** Registries limit names to 255 characters (distribution's own limit); it also keeps file paths short. */
    public static final int MAX_REPOSITORY_LENGTH = 255;
    static final String REPOSITORY_RULE = "must be lower-case letters, digits and separators (. _ __ -) in "
            + "components joined by '/', at most " + MAX_REPOSITORY_LENGTH + " characters, without a registry host";
    static final String TAG_RULE = "must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'";

    public ImageName {
        if (!validRepository(repository)) {
            throw new IllegalArgumentException("repository '" + repository + "' " + REPOSITORY_RULE);
        }
        if (!validTag(tag)) {
            throw new IllegalArgumentException("tag '" + tag + "' " + TAG_RULE);
        }
    }

    /** Parses {@code repository[:tag]}; the tag defaults to {@code latest}, as docker's does. */
    public static ImageName parse(String image) {
        if (image == null || image.isBlank()) throw new IllegalArgumentException("must be <repository>:<tag>");
        int colon = image.lastIndexOf(':');
        if (colon > image.lastIndexOf('/')) {
            return new ImageName(image.substring(0, colon), image.substring(colon + 1));
        }
        return new ImageName(image, "latest");
    }

    public static boolean validRepository(String repository) {
        return repository != null && repository.length() <= MAX_REPOSITORY_LENGTH && REPOSITORY.matcher(repository).matches();
    }

    public static boolean validTag(String tag) {
        return tag != null && TAG.matcher(tag).matches();
    }

    @Override
    public String toString() {
        return repository + ":" + tag;
    }
}
