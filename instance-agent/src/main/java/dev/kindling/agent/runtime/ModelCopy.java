package dev.kindling.agent.runtime;

import dev.kindling.agent.protocol.CopyAssignment;
import dev.kindling.agent.protocol.CopyReport;
import dev.kindling.agent.protocol.CopyState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * One model copy on this instance: fetches what it needs, starts its model server, waits for the first
 * successful {@code GET /ping} within the container health-check timeout, then serves. Its state is what the
 * agent reports in each heartbeat.
 */
public final class ModelCopy {

    private final CopyAssignment assignment;
    private final String bindHost;
    private final Runnable onChange;
    private volatile CopyState state = CopyState.Starting;
    private volatile String failureReason;
    private volatile Instant readyAt;
    private volatile EmulatedModelServer server;
    private volatile boolean stopped;
    private final Thread starter;

    private ModelCopy(CopyAssignment assignment, String bindHost, Runnable onChange) {
        this.assignment = assignment;
        this.bindHost = bindHost;
        this.onChange = onChange;
        this.starter = Thread.ofVirtual().name("copy-" + assignment.copyId()).unstarted(this::run);
    }

    /** Starts the copy in the background; {@code onChange} runs when it becomes InService or Failed. */
    public static ModelCopy start(CopyAssignment assignment, String bindHost, Runnable onChange) {
        ModelCopy copy = new ModelCopy(assignment, bindHost, onChange);
        copy.starter.start();
        return copy;
    }

    public CopyAssignment assignment() {
        return assignment;
    }

    public CopyReport report() {
        EmulatedModelServer s = server;
        URI url = s == null ? null : s.url();
        return new CopyReport(assignment.copyId(), state, url == null ? null : url.toString(), failureReason, readyAt);
    }

    private void run() {
        try {
            fetchImageAndModel();
            server = EmulatedModelServer.start(bindHost, assignment.componentName(), assignment.copyId(),
                    assignment.environment());
            if (stopped) {
                // stop() ran before the server existed, so it could not stop it
                server.stop();
                return;
            }
            awaitHealthy(Duration.ofSeconds(assignment.containerStartupHealthCheckTimeoutSeconds()));
            if (!stopped) {
                readyAt = Instant.now();
                state = CopyState.InService;
            }
        } catch (InterruptedException e) {
            return;
        } catch (Exception e) {
            fail(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        onChange.run();
    }

    /**
     * STUB (replaced by the data-path issue): the image pull and model download are not implemented yet, so a
     * copy starts as if its image and model were already on the instance.
     */
    private void fetchImageAndModel() {
    }

    private void awaitHealthy(Duration timeout) throws InterruptedException {
        if (server.exited()) {
            throw new IllegalStateException("model server exited during start: " + server.exitReason());
        }
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
        failureReason = reason;
        state = CopyState.Failed;
        EmulatedModelServer s = server;
        if (s != null) s.stop();
    }

    /** Stops the model server; the copy is gone from this instance. */
    public void stop() {
        stopped = true;
        starter.interrupt();
        EmulatedModelServer s = server;
        if (s != null) s.stop();
    }
}
