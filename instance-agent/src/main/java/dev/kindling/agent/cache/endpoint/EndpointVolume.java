package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.image.TreeDigest;
import dev.kindling.agent.internal.Json;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One endpoint cache volume as a tier reads it: the directory its blobs or objects are under, and what the volume
 * says it holds. A granted volume must carry its list ({@link VolumeContent#FILE}), for the endpoint and generation
 * it was granted as; a directory configured on the agent (no control plane) may lack one, and then serves whatever
 * it has.
 */
final class EndpointVolume {

    /** What the volume is good for. */
    sealed interface State {
        /** A complete volume of the granted endpoint and generation: serve what it lists. */
        record Listed(VolumeContent.Index index) implements State {}

        /** A configured directory without a list: serve what is there. */
        record Unlisted() implements State {}

        /** The volume cannot be used at all; {@code kind} is a {@link CacheFault} kind. */
        record Unusable(String kind, String detail) implements State {}
    }

    private final String location;
    private final Path data;
    private final Path list;
    private final String endpointName;
    private final Long generation;
    /** Read once: a volume is written before it is granted and never changes after. Failures are read again. */
    private volatile State.Listed listed;
    /** Each tree is checked once per grant, for the same reason; copies asking at once share one check. */
    private final Map<String, CompletableFuture<Verdict>> trees = new ConcurrentHashMap<>();

    /** What checking one tree on the volume found: intact ({@code kind} null) or a {@link CacheFault} kind. */
    record Verdict(String kind, String detail, long nanos) {
        boolean intact() {
            return kind == null;
        }
    }

    private EndpointVolume(String location, Path data, Path list, String endpointName, Long generation) {
        this.location = location;
        this.data = data;
        this.list = list;
        this.endpointName = endpointName;
        this.generation = generation;
    }

    /** A granted volume: its data under {@code data}, its list at {@code root}. */
    static EndpointVolume granted(String location, Path data, Path root, String endpointName, long generation) {
        return new EndpointVolume(location, data, root.resolve(VolumeContent.FILE), endpointName, generation);
    }

    /** A directory the agent was configured with: no generation, no list required. */
    static EndpointVolume configured(Path data) {
        return new EndpointVolume(data.toString(), data, null, null, null);
    }

    /** The location as granted (or configured): what a fault about the whole volume names. */
    String location() {
        return location;
    }

    Path data() {
        return data;
    }

    /** The volume's root, where its list is; null for a configured directory. */
    Path root() {
        return list == null ? null : list.getParent();
    }

    /**
     * Checks the tree at {@code relative} (to the root) against {@code treeDigest}, once; {@code checked} runs
     * when this call did the check. A path that leaves the volume is corrupt, one that is not there missing.
     */
    Verdict verify(String relative, String treeDigest, Runnable checked) {
        CompletableFuture<Verdict> mine = new CompletableFuture<>();
        CompletableFuture<Verdict> known = trees.putIfAbsent(relative, mine);
        if (known != null) {
            Verdict v = known.join();
            return new Verdict(v.kind(), v.detail(), 0); // checked by another copy: this one spent nothing on it
        }
        Verdict v = check(relative, treeDigest);
        mine.complete(v);
        checked.run();
        return v;
    }

    /** The verdict on a tree checked before, or null. */
    Verdict verdict(String relative) {
        CompletableFuture<Verdict> known = trees.get(relative);
        return known == null || !known.isDone() ? null : known.join();
    }

    /** The tree at {@code relative}, or null if that path leaves the volume. */
    Path tree(String relative) {
        Path root = root().toAbsolutePath().normalize();
        Path tree = root.resolve(relative).normalize();
        return tree.startsWith(root) && !tree.equals(root) ? tree : null;
    }

    private Verdict check(String relative, String treeDigest) {
        long started = System.nanoTime();
        Path tree = tree(relative);
        if (tree == null) {
            return new Verdict(CacheFault.CORRUPT, VolumeContent.FILE + " lists " + relative + ", outside the volume", 0);
        }
        if (!Files.isDirectory(tree)) {
            return new Verdict(CacheFault.MISSING, "listed in " + VolumeContent.FILE + " but not in " + location, 0);
        }
        try {
            String actual = TreeDigest.of(tree).toString();
            if (!actual.equals(treeDigest)) {
                return new Verdict(CacheFault.CORRUPT, "its tree digest is " + actual + ", the volume lists " + treeDigest,
                        System.nanoTime() - started);
            }
            return new Verdict(null, null, System.nanoTime() - started);
        } catch (IOException | RuntimeException e) {
            return new Verdict(CacheFault.UNREADABLE, "cannot read " + tree + ": " + e, System.nanoTime() - started);
        }
    }

    /** The generation granted, or null for a configured directory. */
    Long generation() {
        return generation;
    }

    State state() {
        if (list == null) return new State.Unlisted();
        State.Listed known = listed;
        if (known != null) return known;
        State read = read();
        if (read instanceof State.Listed l) listed = l;
        return read;
    }

    private State read() {
        if (!Files.isDirectory(data)) {
            return new State.Unusable(CacheFault.MISSING, "the granted location " + location + " does not exist");
        }
        VolumeContent content;
        try {
            content = Json.read(Files.readString(list), VolumeContent.class);
        } catch (NoSuchFileException e) {
            return new State.Unusable(CacheFault.MISSING, location + " has no " + VolumeContent.FILE
                    + ", which a volume gets last: its build did not finish");
        } catch (IOException | RuntimeException e) {
            return new State.Unusable(CacheFault.UNREADABLE, "cannot read " + list + ": " + e.getMessage());
        }
        if (content == null || content.endpointName() == null || !content.endpointName().equals(endpointName)) {
            return new State.Unusable(CacheFault.CORRUPT, location + " was built for endpoint "
                    + (content == null ? null : content.endpointName()) + ", not " + endpointName);
        }
        if (content.generation() != generation) {
            return new State.Unusable(CacheFault.MISSING, location + " holds generation " + content.generation()
                    + ", not the granted " + generation);
        }
        return new State.Listed(content.index());
    }
}
