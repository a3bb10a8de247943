package dev.kindling.api.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Leader election among control-plane replicas, under {@code kindling.leader.*}: the replica holding a PostgreSQL
 * advisory lock runs the reconciler and the scaler. Every value has a default; start-up fails with a message
 * naming the key when one is out of range.
 *
 * @param enabled elect a leader through the lock; false makes this replica always lead, for a deployment of one
 *        replica (two replicas with this off would both lead)
 * @param replicaId this replica's name in logs, metrics, {@code GET /v1/leader} and (as
 *        {@code kindling-leader-<id>}) in pg_stat_activity; letters, digits, '.', '_' and '-', at most 47
 *        characters (default: the host name and a short random suffix)
 * @param pollIntervalMillis how often a follower tries the lock and the leader confirms it holds it; a new leader
 *        waits two intervals and half a second after taking the lock, so with the default 2000 a dead leader is
 *        replaced within about 14 s and a stopped one at once
 */
@ConfigurationProperties("kindling.leader")
public record LeaderProperties(
        @DefaultValue("true") boolean enabled,
        String replicaId,
        @DefaultValue("2000") long pollIntervalMillis) {

    // application_name keeps 63 bytes, and "kindling-leader-" takes 16 of them.
    private static final int MAX_REPLICA_ID = 47;
    private static final Pattern REPLICA_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_REPLICA_ID + "}");

    public LeaderProperties {
        if (replicaId == null || replicaId.isBlank()) replicaId = defaultReplicaId();
        List<String> errors = new ArrayList<>();
        if (pollIntervalMillis < 100 || pollIntervalMillis > 10_000) {
            errors.add("kindling.leader.poll-interval-millis must be between 100 and 10000, was " + pollIntervalMillis);
        }
        if (!REPLICA_ID.matcher(replicaId).matches()) {
            errors.add("kindling.leader.replica-id must be 1 to " + MAX_REPLICA_ID
                    + " letters, digits, '.', '_' or '-', was '" + replicaId + "'");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid Kindling configuration: " + String.join("; ", errors));
        }
    }

    /** The host name (cut to fit) and "-" and six random hex digits, so two replicas on one host differ. */
    static String defaultReplicaId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "kindling");
        }
        host = host.replaceAll("[^A-Za-z0-9._-]", "");
        if (host.isEmpty()) host = "kindling";
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        return host.substring(0, Math.min(host.length(), MAX_REPLICA_ID - 7)) + "-" + suffix;
    }
}
