package dev.kindling.agent.runtime;

import dev.kindling.agent.io.Progress;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for an instance's data path, for tests of a copy's life cycle: images and models "prepared" into
 * directories of a temp folder at once, unless told to fail or to wait. Counts what is held and released.
 */
public final class FakeCopyData implements CopyData {

    private final Path dir;
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    public final AtomicInteger held = new AtomicInteger();
    public final AtomicInteger released = new AtomicInteger();
    public final AtomicInteger interrupted = new AtomicInteger();

    public FakeCopyData(Path dir) {
        this.dir = dir;
    }

    /** Preparing {@code name} (an image or artifact URL) fails with {@code message}. */
    public FakeCopyData failing(String name, String message) {
        failures.put(name, message);
        return this;
    }

    /** Preparing {@code name} waits until the returned latch is counted down (or the copy is stopped). */
    public CountDownLatch gate(String name) {
        return gates.computeIfAbsent(name, n -> new CountDownLatch(1));
    }

    @Override
    public Prepared image(String image, Progress progress) throws Exception {
        return prepare("image", image, progress);
    }

    @Override
    public Prepared model(String artifactUrl, Progress progress) throws Exception {
        return prepare("model", artifactUrl, progress);
    }

    private Prepared prepare(String artifact, String name, Progress progress) throws Exception {
        progress.total(1000);
        CountDownLatch gate = gates.get(name);
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            }
        }
        String failure = failures.get(name);
        if (failure != null) throw new IOException(failure);
        progress.moved(1000);
        Path path;
        try {
            path = Files.createDirectories(dir.resolve(artifact + "-" + Integer.toHexString(name.hashCode())));
            Files.writeString(path.resolve("weights.bin"), "0123456789");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        held.incrementAndGet();
        return new Prepared(path, 1000, List.of(new TierUsage(artifact, "registry", 1, 1000)), List.of(),
                released::incrementAndGet);
    }
}
