package dev.kindling.agent.runtime;

import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One model copy on this instance: prepares its image and its model side by side through the instance's cache
 * tiers, starts its model server with both, waits for the first successful {@code GET /ping} within the container
 * health-check timeout, then serves. Its state, and the timeline of its start (phases, bytes, cache tiers), are what
 * the agent reports in each heartbeat.
 */
public final class ModelCopy {

    /** Environment of the model server: the unpacked image and the model directory ({@code /opt/ml/model}). */
    public static final String IMAGE_ROOTFS_ENV = "KINDLING_IMAGE_ROOTFS";
    public static final String MODEL_DIR_ENV = "KINDLING_MODEL_DIR";

    private final CopyAssignment assignment;
    private final String bindHost;
    private final CopyData data;
    private final Runnable onChange;
    private final StartupTimeline timeline = new StartupTimeline(Clock.systemUTC());
    private final List<CopyData.Prepared> held = new CopyOnWriteArrayList<>();
    private volatile CopyState state = CopyState.Starting;
    private volatile String failureReason;
    private volatile Instant readyAt;
    private volatile EmulatedModelServer server;
    private volatile boolean stopped;
    private final Thread starter;

    private ModelCopy(CopyAssignment assignment, String bindHost, CopyData data, Runnable onChange) {
        this.assignment = assignment;
        this.bindHost = bindHost;
        this.data = data;
        this.onChange = onChange;
        this.starter = Thread.ofVirtual().name("copy-" + assignment.copyId()).unstarted(this::run);
    }

    /** Starts the copy in the background; {@code onChange} runs when it becomes InService or Failed. */
    public static ModelCopy start(CopyAssignment assignment, String bindHost, CopyData data, Runnable onChange) {
        ModelCopy copy = new ModelCopy(assignment, bindHost, data, onChange);
        copy.starter.start();
        return copy;
    }

    public CopyAssignment assignment() {
        return assignment;
    }

    public CopyReport report() {
        EmulatedModelServer s = server;
        URI url = s == null ? null : s.url();
        return new CopyReport(assignment.copyId(), state, url == null ? null : url.toString(), failureReason, readyAt,
                timeline.snapshot());
    }

    private void run() {
        try {
            Map<String, String> env = new HashMap<>(assignment.environment());
            prepareImageAndModel(env);
            if (stopped) {
                release(); // stop() may have released before the last preparation was held
                return;
            }
            timeline.begin(CopyStartup.CONTAINER_START);
            server = EmulatedModelServer.start(bindHost, assignment.componentName(), assignment.copyId(), env);
            if (stopped) {
                // stop() ran before the server existed, so it could not stop it
                server.stop();
                return;
            }
            if (server.exited()) {
                throw new IllegalStateException("model server exited during start: " + server.exitReason());
            }
            timeline.end(CopyStartup.CONTAINER_START);
            timeline.begin(CopyStartup.HEALTH_CHECK);
            awaitHealthy(Duration.ofSeconds(assignment.containerStartupHealthCheckTimeoutSeconds()));
            timeline.end(CopyStartup.HEALTH_CHECK);
            if (!stopped) {
                readyAt = Instant.now();
                state = CopyState.InService;
            }
        } catch (InterruptedException e) {
            release();
            return;
        } catch (Exception e) {
            fail(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        onChange.run();
    }

    /**
     * Prepares the image and the model at once (they share the instance's network, as on SageMaker), and fails as
     * soon as either fails. The model must be ready within the copy's model download timeout.
     */
    private void prepareImageAndModel(Map<String, String> env) throws Exception {
        String artifact = assignment.artifactUrl();
        boolean withModel = artifact != null && !artifact.isBlank();
        List<Future<CopyData.Prepared>> started = new java.util.ArrayList<>();
        List<Future<CopyData.Prepared>> taken = new java.util.ArrayList<>();
        try (ExecutorService work = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletionService<CopyData.Prepared> ready = new ExecutorCompletionService<>(work);
            timeline.begin(CopyStartup.IMAGE);
            Future<CopyData.Prepared> image = ready.submit(() -> data.image(assignment.image(),
                    timeline.progress(CopyStartup.IMAGE)));
            started.add(image);
            Future<CopyData.Prepared> model = null;
            if (withModel) {
                timeline.begin(CopyStartup.MODEL);
                model = ready.submit(() -> data.model(artifact, timeline.progress(CopyStartup.MODEL)));
                started.add(model);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(assignment.modelDataDownloadTimeoutSeconds());
            try {
                // Whichever finishes first is taken first, so a failure of either is seen at once.
                for (int pending = started.size(); pending > 0; pending--) {
                    boolean modelPending = model != null && !model.isDone();
                    Future<CopyData.Prepared> next = modelPending
                            ? ready.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS) : ready.take();
                    if (next == null) {
                        throw new TimeoutException("model " + artifact + " was not ready within "
                                + assignment.modelDataDownloadTimeoutSeconds() + " s (modelDataDownloadTimeoutInSeconds)");
                    }
                    taken.add(next);
                    boolean isImage = next == image;
                    CopyData.Prepared p = outcome(next, isImage ? "image " + assignment.image() : "model " + artifact);
                    held.add(p);
                    timeline.prepared(isImage ? CopyStartup.IMAGE : CopyStartup.MODEL, p);
                    env.put(isImage ? IMAGE_ROOTFS_ENV : MODEL_DIR_ENV, p.path().toString());
                }
            } finally {
                work.shutdownNow(); // on failure or stop, the other preparation stops waiting too
            }
        } finally {
            // The executor has closed, so every preparation has ended: one that succeeded after the copy stopped
            // taking them (stopped, failed, timed out) still holds its image or model, and must let go.
            for (Future<CopyData.Prepared> f : started) {
                if (!taken.contains(f) && f.state() == Future.State.SUCCESS) f.resultNow().close();
            }
        }
    }

    private static CopyData.Prepared outcome(Future<CopyData.Prepared> f, String what) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            throw new IllegalStateException(message.startsWith(what.split(" ")[0] + " ") ? message : what + ": " + message, cause);
        }
    }

    private void awaitHealthy(Duration timeout) throws InterruptedException {
        URI ping = server.url().resolve("/ping");
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer";
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            while (!stopped) {
                try {
                    HttpResponse<Void> r = client.send(HttpRequest.newBuilder(ping).timeout(Duration.ofSeconds(2)).GET().build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) return;
                    last = "HTTP " + r.statusCode();
                } catch (java.io.IOException e) {
                    last = e.toString();
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("container did not pass GET /ping within "
                            + timeout.toSeconds() + " s (last answer: " + last + ")");
                }
                Thread.sleep(50);
            }
        }
    }

    private void fail(String reason) {
        timeline.endAll();
        failureReason = reason;
        state = CopyState.Failed;
        EmulatedModelServer s = server;
        if (s != null) s.stop();
        release();
    }

    /** Lets go of the image and model, so the instance may evict them once no other copy uses them. */
    private void release() {
        for (CopyData.Prepared p : held) {
            held.remove(p);
            p.close();
        }
    }

    /** Stops the model server; the copy is gone from this instance and lets go of its image and model. */
    public void stop() {
        stopped = true;
        starter.interrupt();
        EmulatedModelServer s = server;
        if (s != null) s.stop();
        release();
    }
}
