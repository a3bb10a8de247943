package dev.kindling.agent;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an agent on its own, as on an EC2 instance: {@code KINDLING_INSTANCE_ID}, {@code KINDLING_INSTANCE_TYPE}
 * and {@code KINDLING_CONTROL_PLANE_URL} say who it is and where to report; {@code KINDLING_HEARTBEAT_MILLIS}
 * (default 1000) and {@code KINDLING_BIND_HOST} (default 127.0.0.1) are optional.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        AgentSettings settings = new AgentSettings(
                required("KINDLING_INSTANCE_ID"),
                required("KINDLING_INSTANCE_TYPE"),
                URI.create(required("KINDLING_CONTROL_PLANE_URL")),
                Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("KINDLING_HEARTBEAT_MILLIS", "1000"))),
                System.getenv().getOrDefault("KINDLING_BIND_HOST", "127.0.0.1"));
        InstanceAgent agent = InstanceAgent.start(settings);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            done.countDown();
        }));
        while (!agent.isClosed()) {
            if (done.await(1, java.util.concurrent.TimeUnit.SECONDS)) break;
        }
    }

    private static String required(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            System.err.println("kindling agent: environment variable " + name + " is required");
            System.exit(2);
        }
        return v;
    }
}
