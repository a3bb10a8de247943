package dev.kindling.api.registry;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.api.registry.internal.AtomicFiles;
import dev.kindling.api.registry.internal.ManifestDocument;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The embedded registry's content on disk. Blobs, manifests included, live by digest in a {@link BlobStore}
 * ({@code blobs/sha256/<hex>}), each published only once its bytes match its digest. Each repository is a
 * directory ({@code repositories/<name>/}, the name's slashes as subdirectories) that says what is its:
 * <ul>
 *   <li>{@code _layers/<hex>}: an empty file per config or layer blob the repository holds;</li>
 *   <li>{@code _manifests/revisions/<hex>}: a manifest the repository holds, the file holding its media type;</li>
 *   <li>{@code _manifests/tags/<tag>}: the digest the tag points at.</li>
 * </ul>
 * An image becomes visible in that order, each step after everything it points at is durable, and every file
 * is written whole (temp file, fsync, rename): a crash leaves at worst unreferenced blobs, never a tag or a
 * manifest pointing at something missing. Name components start with a letter or digit, so {@code _layers}
 * and {@code _manifests} never clash with a nested repository.
 */
public final class RegistryStore {

    private static final String LAYERS = "_layers";
    private static final String MANIFESTS = "_manifests";
    /** How deep an index may nest other indexes: deeper is a loop or an attack, not an image. */
    static final int MAX_INDEX_DEPTH = 4;

    private final Path root;
    private final Path repositories;
    private final Path incoming;
    private final BlobStore blobs;

    /** A manifest the registry serves: its digest, media type, size in bytes and file. */
    public record StoredManifest(Digest digest, String mediaType, long size, Path file) {}

    /** A blob the registry serves: its digest, size in bytes and file. */
    public record StoredBlob(Digest digest, long size, Path file) {}

    /** What a tag points at, and the size of the config and layer blobs of that image (all platforms). */
    public record Tag(String tag, String digest, String mediaType, long bytes) {}

    /**
     * A repository: its tags, every manifest it holds (tagged or not), and the total size of its distinct config
     * and layer blobs.
     */
    public record Repository(String name, List<Tag> tags, List<String> manifests, long bytes) {}

    /** Opens (creating if need be) the registry under {@code root}; clears what an interrupted write left. */
    public RegistryStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            AtomicFiles.createDirectories(this.root);
            this.blobs = new BlobStore(this.root);
            this.repositories = this.root.resolve("repositories");
            this.incoming = this.root.resolve("incoming");
            AtomicFiles.createDirectories(repositories);
            AtomicFiles.createDirectories(incoming);
            removeLeftovers();
            Path probe = Files.createTempFile(incoming, "probe-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the registry under " + this.root + ": " + e, e);
        }
    }

    private void removeLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(incoming)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
        }
        try (Stream<Path> files = Files.walk(repositories)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** The blobs, for a fetch that publishes into them directly (an import from another registry). */
    public BlobStore blobs() {
        return blobs;
    }

    // ---------------------------------------------------------------------------------------------- reading

    /** The repositories that hold at least one manifest, sorted. */
    public List<String> repositories() {
        List<String> names = new ArrayList<>();
        try {
            Files.walkFileTree(repositories, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    String name = dir.getFileName().toString();
                    if (name.equals(LAYERS)) return FileVisitResult.SKIP_SUBTREE;
                    if (name.equals(MANIFESTS)) {
                        names.add(nameOf(dir.getParent()));
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the registry's repositories under " + repositories, e);
        }
        return names.stream().sorted().toList();
    }

    private String nameOf(Path repositoryDir) {
        List<String> parts = new ArrayList<>();
        for (Path p : repositories.relativize(repositoryDir)) parts.add(p.toString());
        return String.join("/", parts);
    }

    public boolean exists(String repository) {
        return ImageName.validRepository(repository) && Files.isDirectory(dir(repository).resolve(MANIFESTS));
    }

    /** The repository's tags, sorted; NAME_INVALID or NAME_UNKNOWN when there is no such repository. */
    public List<String> tags(String repository) {
        Path tags = existing(repository).resolve(MANIFESTS).resolve("tags");
        return list(tags).stream().sorted().toList();
    }

    /** A manifest by tag or digest; NAME_INVALID, NAME_UNKNOWN, DIGEST_INVALID or MANIFEST_UNKNOWN otherwise. */
    public StoredManifest manifest(String repository, String reference) {
        Path repo = existing(repository);
        Digest digest;
        if (reference.indexOf(':') >= 0) {
            digest = digest(reference);
        } else {
            if (!ImageName.validTag(reference)) throw DistributionException.manifestUnknown(repository, reference);
            String target = read(repo.resolve(MANIFESTS).resolve("tags").resolve(reference))
                    .orElseThrow(() -> DistributionException.manifestUnknown(repository, reference));
            digest = Digest.parse(target.trim());
        }
        String mediaType = read(revision(repo, digest))
                .orElseThrow(() -> DistributionException.manifestUnknown(repository, reference)).trim();
        Path file = blobs.path(digest);
        try {
            return new StoredManifest(digest, mediaType, Files.size(file), file);
        } catch (NoSuchFileException e) {
            throw DistributionException.manifestUnknown(repository, reference);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A blob (a config, a layer, or a manifest) the repository holds; BLOB_UNKNOWN otherwise. */
    public StoredBlob blob(String repository, Digest digest) {
        Path repo = existing(repository);
        if (!Files.exists(repo.resolve(LAYERS).resolve(digest.hex())) && !Files.exists(revision(repo, digest))) {
            throw DistributionException.blobUnknown(repository, digest.toString());
        }
        Path file = blobs.path(digest);
        try {
            return new StoredBlob(digest, Files.size(file), file);
        } catch (NoSuchFileException e) {
            throw DistributionException.blobUnknown(repository, digest.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A repository with its tags, manifests and size; NAME_INVALID or NAME_UNKNOWN when there is none. */
    public Repository repository(String repository) {
        Path repo = existing(repository);
        List<Tag> tags = new ArrayList<>();
        for (String tag : tags(repository)) {
            StoredManifest m;
            try {
                m = manifest(repository, tag);
            } catch (DistributionException removedMeanwhile) {
                continue;
            }
            Map<Digest, Long> sizes = new LinkedHashMap<>();
            imageBlobs(repository, m, sizes, 0);
            tags.add(new Tag(tag, m.digest().toString(), m.mediaType(), sizes.values().stream().mapToLong(Long::longValue).sum()));
        }
        List<String> manifests = list(repo.resolve(MANIFESTS).resolve("revisions")).stream().sorted()
                .map(hex -> "sha256:" + hex).toList();
        long bytes = 0;
        for (String hex : list(repo.resolve(LAYERS))) {
            try {
                bytes += Files.size(blobs.path(new Digest(hex)));
            } catch (IOException | IllegalArgumentException ignored) {
                // a link without its blob (removed by hand) holds no bytes
            }
        }
        return new Repository(repository, tags, manifests, bytes);
    }

    /** Collects the config and layer blobs (with sizes) of an image, following an index into its manifests. */
    private void imageBlobs(String repository, StoredManifest m, Map<Digest, Long> sizes, int depth) {
        ManifestDocument doc;
        try {
            doc = ManifestDocument.parse(Files.readAllBytes(m.file()), m.mediaType());
        } catch (IOException | IllegalArgumentException e) {
            return; // every stored manifest was parsed on the way in; one that no longer parses adds nothing
        }
        doc.blobs().forEach(b -> sizes.putIfAbsent(b.digest(), b.size()));
        if (depth < MAX_INDEX_DEPTH) {
            for (Descriptor child : doc.manifests()) {
                try {
                    imageBlobs(repository, manifest(repository, child.digest().toString()), sizes, depth + 1);
                } catch (DistributionException notHere) {
                    // an index may name platforms it was imported without
                }
            }
        }
    }

    private Path dir(String repository) {
        return repositories.resolve(repository);
    }

    private Path existing(String repository) {
        if (!ImageName.validRepository(repository)) throw DistributionException.nameInvalid(repository);
        Path repo = dir(repository);
        if (!Files.isDirectory(repo.resolve(MANIFESTS))) throw DistributionException.nameUnknown(repository);
        return repo;
    }

    private static Path revision(Path repo, Digest digest) {
        return repo.resolve(MANIFESTS).resolve("revisions").resolve(digest.hex());
    }

    private static Digest digest(String value) {
        try {
            return Digest.parse(value);
        } catch (IllegalArgumentException e) {
            throw DistributionException.digestInvalid(value, "must be sha256:<64 lower-case hex digits>");
        }
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** File names in a directory, temp files left out; none when the directory does not exist. */
    private static List<String> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(AtomicFiles.TEMP_PREFIX)).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- writing

    /**
     * A blob being written: bytes go through {@link #stream()}, hashed on the way, into a temp file beside the
     * store; {@link #commit} checks them and publishes the blob. Closing without a commit throws them away.
     */
    public final class BlobWriter implements AutoCloseable {
        private final Path temp;
        private final FileChannel channel;
        private final MessageDigest sha256;
        private final CountingStream counter;
        private final OutputStream stream;
        private boolean closed;

        private BlobWriter() throws IOException {
            this.temp = incoming.resolve(UUID.randomUUID() + ".blob");
            this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.sha256 = sha256();
            this.counter = new CountingStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
            this.stream = new DigestOutputStream(counter, sha256);
        }

        /** Where the blob's bytes go; do not close it, close the writer. */
        public OutputStream stream() {
            return stream;
        }

        /**
         * Publishes the blob once its bytes are on disk. With {@code expected} (and {@code expectedSize} &ge; 0)
         * given, bytes that do not match are refused with DIGEST_INVALID and thrown away.
         */
        public Descriptor commit(String mediaType, Digest expected, long expectedSize) throws IOException {
            stream.flush();
            Digest actual = Digest.of(sha256.digest());
            long size = counter.count;
            if (expected != null && (!expected.equals(actual) || (expectedSize >= 0 && expectedSize != size))) {
                close();
                throw DistributionException.digestInvalid(expected.toString(), "the " + size + " bytes given hash to "
                        + actual + (expectedSize >= 0 && expectedSize != size ? " (and " + expectedSize + " bytes were declared)" : ""));
            }
            channel.force(false);
            channel.close();
            closed = true;
            if (blobs.contains(actual)) {
                Files.deleteIfExists(temp);
            } else {
                blobs.publish(actual, temp);
            }
            return new Descriptor(mediaType, actual, size);
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            channel.close();
            Files.deleteIfExists(temp);
        }
    }

    /** Counts the bytes written through it. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    public BlobWriter newBlob() throws IOException {
        return new BlobWriter();
    }

    /** Writes a blob held in memory (a manifest, a config); see {@link BlobWriter#commit}. */
    public Descriptor writeBlob(String mediaType, byte[] bytes, Digest expected) throws IOException {
        try (BlobWriter w = newBlob()) {
            w.stream().write(bytes);
            return w.commit(mediaType, expected, expected == null ? -1 : bytes.length);
        }
    }

    /**
     * Makes an image visible under {@code repository:tag}: links its config and layer {@code blobs}, then its
     * {@code manifests} (children of an index before the index, the tagged one last), then points the tag at the
     * last one. Everything must already be in the blob store: an image is never tagged before it is whole.
     *
     * @param manifests digest and media type of each manifest, the one to tag last
     */
    public void publish(String repository, String tag, Collection<Descriptor> blobs, List<Descriptor> manifests)
            throws IOException {
        ImageName name = new ImageName(repository, tag);
        if (manifests.isEmpty()) throw new IllegalArgumentException("an image needs a manifest");
        Set<Digest> missing = new HashSet<>();
        for (Descriptor d : blobs) if (!this.blobs.contains(d.digest())) missing.add(d.digest());
        for (Descriptor d : manifests) if (!this.blobs.contains(d.digest())) missing.add(d.digest());
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cannot tag " + name + ": blobs " + missing + " are not in the store");
        }
        // The renames that published the blobs reach the disk before anything points at them.
        AtomicFiles.syncDirectory(this.blobs.path(manifests.getFirst().digest()).getParent());
        Path repo = dir(repository);
        Path layers = repo.resolve(LAYERS);
        Path revisions = repo.resolve(MANIFESTS).resolve("revisions");
        Path tags = repo.resolve(MANIFESTS).resolve("tags");
        AtomicFiles.createDirectories(layers);
        boolean linked = false;
        for (Descriptor d : blobs) {
            Path link = layers.resolve(d.digest().hex());
            if (!Files.exists(link)) {
                try {
                    Files.createFile(link);
                    linked = true;
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another import linked it
                }
            }
        }
        if (linked) AtomicFiles.syncDirectory(layers);
        AtomicFiles.createDirectories(revisions);
        for (Descriptor m : manifests) {
            Path revision = revisions.resolve(m.digest().hex());
            if (!read(revision).map(String::trim).filter(m.mediaType()::equals).isPresent()) {
                AtomicFiles.write(revision, (m.mediaType() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        AtomicFiles.createDirectories(tags);
        AtomicFiles.write(tags.resolve(tag), (manifests.getLast().digest() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Removes a tag (the manifest stays, by digest); false when there was no such tag. */
    public boolean untag(String repository, String tag) throws IOException {
        Path repo = existing(repository);
        if (!ImageName.validTag(tag)) return false;
        Path tags = repo.resolve(MANIFESTS).resolve("tags");
        boolean removed = Files.deleteIfExists(tags.resolve(tag));
        if (removed) AtomicFiles.syncDirectory(tags);
        return removed;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
