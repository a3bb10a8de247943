package dev.kindling.api.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Kindling's settings, under {@code kindling.*}. Every value has a default; start-up fails with a message naming
 * the key when one is out of range.
 */
@ConfigurationProperties("kindling")
public record KindlingProperties(
        @DefaultValue Database database,
        @DefaultValue Reconciler reconciler,
        @DefaultValue Fleet fleet,
        @DefaultValue Api api,
        @DefaultValue S3 s3) {

    public KindlingProperties {
        List<String> errors = new ArrayList<>();
        reconciler.check(errors);
        fleet.check(errors);
        api.check(errors);
        database.check(errors);
        s3.check(errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid Kindling configuration: " + String.join("; ", errors));
        }
    }

    /**
     * @param url external PostgreSQL ({@code jdbc:postgresql://host:5432/kindling}); empty runs the embedded one
     * @param embeddedDataDirectory where the embedded PostgreSQL keeps its data across restarts
     *        (default {@code ~/.kindling/postgres})
     * @param poolMaxSize most R2DBC connections
     */
    public record Database(
            @DefaultValue("") String url,
            @DefaultValue("kindling") String username,
            @DefaultValue("") String password,
            Path embeddedDataDirectory,
            @DefaultValue("10") int poolMaxSize) {

        public Database {
            if (embeddedDataDirectory == null) {
                embeddedDataDirectory = Path.of(System.getProperty("user.home"), ".kindling", "postgres");
            }
        }

        void check(List<String> errors) {
            range(errors, "kindling.database.pool-max-size", poolMaxSize, 1, 200);
        }
    }

    /**
     * @param intervalMillis time between two reconcile passes (API changes and agent reports also wake it)
     * @param heartbeatTimeoutMillis an InService instance silent this long is declared dead and replaced
     * @param launchTimeoutMillis a launched instance whose agent has not registered in this time is replaced
     * @param capacityWaitMillis a Creating component that still cannot place all its copies after this long fails
     * @param failedCopyRetryDelayMillis a failed copy is replaced after this delay (not at once, to avoid crash loops)
     */
    public record Reconciler(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("500") long intervalMillis,
            @DefaultValue("5000") long heartbeatTimeoutMillis,
            @DefaultValue("600000") long launchTimeoutMillis,
            @DefaultValue("300000") long capacityWaitMillis,
            @DefaultValue("2000") long failedCopyRetryDelayMillis) {
        void check(List<String> errors) {
            range(errors, "kindling.reconciler.interval-millis", intervalMillis, 10, 60_000);
            range(errors, "kindling.reconciler.heartbeat-timeout-millis", heartbeatTimeoutMillis, 100, 600_000);
            range(errors, "kindling.reconciler.launch-timeout-millis", launchTimeoutMillis, 100, 3_600_000);
            range(errors, "kindling.reconciler.capacity-wait-millis", capacityWaitMillis, 0, 86_400_000);
            range(errors, "kindling.reconciler.failed-copy-retry-delay-millis", failedCopyRetryDelayMillis, 0, 3_600_000);
        }
    }

    /**
     * @param provider which fleet launches instances: {@code local} (emulated instances in this JVM)
     */
    public record Fleet(@DefaultValue("local") String provider, @DefaultValue Local local) {
        void check(List<String> errors) {
            if (!"local".equals(provider)) {
                errors.add("kindling.fleet.provider must be 'local' (the EC2 provider comes with the infra issue), was '"
                        + provider + "'");
            }
            local.check(errors);
        }
    }

    /**
     * The local fleet: emulated instances whose launch takes the instance type's real launch time times
     * {@code timeScale}, so a demo runs in seconds. Each has a disk of its own (a directory) and moves bytes at its
     * type's network and disk rates divided by {@code timeScale}, so every transfer takes {@code timeScale} times
     * what it would in the cloud (0 = as fast as this machine can).
     *
     * @param timeScale factor on real launch delays and transfer times (1.0 = as slow as the cloud; 0 = at once)
     * @param heartbeatIntervalMillis how often emulated agents heartbeat
     * @param maxInstances most emulated instances alive at once; a launch past it fails with InsufficientCapacity
     * @param launchDelaySeconds real-world launch delay per instance type, overriding the catalog's
     * @param networkGbps network bandwidth per instance type, overriding the catalog's
     * @param diskWriteMibps disk write throughput per instance type, overriding the catalog's
     * @param bindHost address emulated agents and model servers listen on
     * @param dataDirectory where emulated instances keep their disks, one directory each (default
     *        {@code ~/.kindling/fleet}); an instance's directory is deleted when it terminates
     * @param diskBudgetMb most image and model bytes one emulated instance keeps before evicting unused ones
     * @param registryChunkMib size of one ranged GET of an image blob
     * @param s3ChunkMib size of one ranged GET of a model object
     * @param fetchParallelism ranged GETs in flight at once per image or model (0: the agent's default, cores + 1)
     */
    public record Local(
            @DefaultValue("0.02") double timeScale,
            @DefaultValue("1000") long heartbeatIntervalMillis,
            @DefaultValue("32") int maxInstances,
            @DefaultValue Map<String, Double> launchDelaySeconds,
            @DefaultValue Map<String, Double> networkGbps,
            @DefaultValue Map<String, Double> diskWriteMibps,
            @DefaultValue("127.0.0.1") String bindHost,
            Path dataDirectory,
            @DefaultValue("20480") long diskBudgetMb,
            @DefaultValue("32") int registryChunkMib,
            @DefaultValue("16") int s3ChunkMib,
            @DefaultValue("0") int fetchParallelism) {

        public Local {
            if (dataDirectory == null) {
                dataDirectory = Path.of(System.getProperty("user.home"), ".kindling", "fleet");
            }
        }

        void check(List<String> errors) {
            if (!(timeScale >= 0 && timeScale <= 10)) {
                errors.add("kindling.fleet.local.time-scale must be between 0 and 10, was " + timeScale);
            }
            range(errors, "kindling.fleet.local.heartbeat-interval-millis", heartbeatIntervalMillis, 10, 60_000);
            range(errors, "kindling.fleet.local.max-instances", maxInstances, 0, 1000);
            range(errors, "kindling.fleet.local.disk-budget-mb", diskBudgetMb, 1, 1L << 30);
            range(errors, "kindling.fleet.local.registry-chunk-mib", registryChunkMib, 1, 1024);
            range(errors, "kindling.fleet.local.s3-chunk-mib", s3ChunkMib, 1, 1024);
            range(errors, "kindling.fleet.local.fetch-parallelism", fetchParallelism, 0, 256);
            perType(errors, "kindling.fleet.local.launch-delay-seconds", launchDelaySeconds, 0, 3600);
            perType(errors, "kindling.fleet.local.network-gbps", networkGbps, 0.001, 10_000);
            perType(errors, "kindling.fleet.local.disk-write-mibps", diskWriteMibps, 0.001, 1_000_000);
        }

        private static void perType(List<String> errors, String key, Map<String, Double> values, double min, double max) {
            values.forEach((type, v) -> {
                if (v == null || v < min || v > max) {
                    errors.add(key + "." + type + " must be between " + min + " and " + max + ", was " + v);
                }
            });
        }
    }

    /**
     * @param defaultMaxResults page size of a listing when the request names none
     * @param controlPlaneUrl URL agents report to; empty means this server's own address on 127.0.0.1
     */
    public record Api(@DefaultValue("10") int defaultMaxResults, @DefaultValue("") String controlPlaneUrl) {
        void check(List<String> errors) {
            range(errors, "kindling.api.default-max-results", defaultMaxResults, 1, 100);
        }
    }

    /**
     * Where the local fleet's agents download model artifacts.
     *
     * @param embedded the S3-compatible store the control plane runs itself (the embedded default)
     * @param endpoint an S3-compatible endpoint agents use instead when the embedded store is off; empty: AWS S3
     * @param region region agents sign for (and of the buckets, on AWS)
     */
    public record S3(@DefaultValue Embedded embedded, @DefaultValue("") String endpoint,
                     @DefaultValue("us-east-1") String region) {

        void check(List<String> errors) {
            embedded.check(errors);
            if (!endpoint.isBlank() && !endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
                errors.add("kindling.s3.endpoint must be an http(s) URL, was '" + endpoint + "'");
            }
            if (region.isBlank()) errors.add("kindling.s3.region must not be empty");
        }

        /**
         * @param enabled run the store (it needs no credentials, so it binds to loopback unless told otherwise)
         * @param port its port (0: any free port)
         * @param bindHost address it listens on
         * @param dataDirectory where buckets and objects are kept across restarts (default {@code ~/.kindling/s3})
         */
        public record Embedded(@DefaultValue("true") boolean enabled, @DefaultValue("9000") int port,
                               @DefaultValue("127.0.0.1") String bindHost, Path dataDirectory) {
            public Embedded {
                if (dataDirectory == null) dataDirectory = Path.of(System.getProperty("user.home"), ".kindling", "s3");
            }

            void check(List<String> errors) {
                range(errors, "kindling.s3.embedded.port", port, 0, 65535);
            }
        }
    }

    private static void range(List<String> errors, String key, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(key + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
