package dev.kindling.agent.artifact;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What an S3 URI names right now: one object, or the objects under a prefix. A single {@code .tar.gz} or
 * {@code .tgz} object is a packed model (SageMaker's {@code model.tar.gz}) and is unpacked; anything else is kept
 * file by file at its path relative to the prefix (a single object at its file name).
 */
public record ArtifactSource(S3Uri uri, List<ObjectVersion> objects) {

    public ArtifactSource {
        objects = List.copyOf(objects);
        if (objects.isEmpty()) throw new IllegalArgumentException(uri + " names no objects");
        for (ObjectVersion o : objects) relativePath(uri, objects, o); // refuses keys that would escape the model directory
    }

    /**
     * The source of what {@code uri} resolved to. A URI that named no object but was listed as a prefix is that
     * prefix: {@code s3://b/m} and {@code s3://b/m/} are then one artifact, not two copies of the same objects.
     */
    public static ArtifactSource resolved(S3Uri uri, List<ObjectVersion> objects) {
        boolean theObject = objects.size() == 1 && objects.get(0).key().equals(uri.key());
        return new ArtifactSource(uri.isPrefix() || theObject ? uri : uri.asPrefix(), objects);
    }

    public ArtifactKey key() {
        return ArtifactKey.of(uri, objects);
    }

    public long bytes() {
        return objects.stream().mapToLong(ObjectVersion::size).sum();
    }

    /** A single packed model to unpack, rather than files to keep as they are. */
    public boolean isArchive() {
        if (objects.size() != 1 || uri.isPrefix() || !objects.get(0).key().equals(uri.key())) return false;
        String name = uri.key().toLowerCase(Locale.ROOT);
        return name.endsWith(".tar.gz") || name.endsWith(".tgz");
    }

    /** Where an object goes in the model directory. */
    public Path relativePath(ObjectVersion object) {
        return relativePath(uri, objects, object);
    }

    private static Path relativePath(S3Uri uri, List<ObjectVersion> objects, ObjectVersion o) {
        String rel;
        if (objects.size() == 1 && o.key().equals(uri.key()) && !uri.isPrefix()) {
            rel = o.key().substring(o.key().lastIndexOf('/') + 1);
        } else {
            String prefix = uri.asPrefix().key();
            if (!o.key().startsWith(prefix)) throw new IllegalArgumentException(o.uri() + " is not under " + uri.asPrefix());
            rel = o.key().substring(prefix.length());
        }
        Path p = Path.of(rel).normalize();
        if (rel.isEmpty() || p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
            throw new IllegalArgumentException("object " + o.uri() + " would land outside the model directory as '" + rel + "'");
        }
        return p;
    }
}
