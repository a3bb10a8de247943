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
        @DefaultValue S3 s3,
        @DefaultValue Scaler scaler) {

    public KindlingProperties {
        List<String> errors = new ArrayList<>();
        reconciler.check(errors);
        fleet.check(errors);
        api.check(errors);
        if ("ec2".equals(fleet.provider()) && api.controlPlaneUrl().isBlank()) {
            errors.add("kindling.api.control-plane-url must be set with kindling.fleet.provider=ec2: EC2 instances "
                    + "cannot reach the control plane on 127.0.0.1");
        }
        database.check(errors);
        s3.check(errors);
        scaler.check(errors);
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
     * The scaler: every second (on the leader) the routers' load becomes one sample in per-component windows, and
     * the scaler decides copy counts from them.
     *
     * @param enabled run the scaler loop (tests that set copy counts by hand turn it off)
     * @param stableWindowSeconds the window target tracking averages over when not bursting
     * @param burstWindowSeconds the short window that detects a spike (knative's panic window)
     * @param highResolutionPeriodSeconds the period of the published high-resolution metric (SageMaker: 10 s)
     * @param burstThreshold burst mode when the burst window wants this many times the current copies
     * @param scaleToZeroGraceSeconds a component with minCapacity 0 scales to zero after this long without requests
     * @param maxScaleInFraction one scale-in removes at most this fraction of the copies (at least one)
     * @param scaleInTolerance scale in only when the load is below target by more than this fraction
     * @param scaleOutGiveUpSeconds a scale-out whose copies have not all served by then is recorded as Incomplete
     * @param defaultInstanceScaleInCooldownSeconds how long managed instance scaling keeps an idle instance when no
     *        policy of its endpoint names a scale-in cooldown
     * @param routerLoadMaxAgeMillis other replicas' router load older than this is ignored
     */
    public record Scaler(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("60") int stableWindowSeconds,
            @DefaultValue("6") int burstWindowSeconds,
            @DefaultValue("10") int highResolutionPeriodSeconds,
            @DefaultValue("2.0") double burstThreshold,
            @DefaultValue("120") int scaleToZeroGraceSeconds,
            @DefaultValue("0.5") double maxScaleInFraction,
            @DefaultValue("0.1") double scaleInTolerance,
            @DefaultValue("900") int scaleOutGiveUpSeconds,
            @DefaultValue("300") int defaultInstanceScaleInCooldownSeconds,
            @DefaultValue("3000") long routerLoadMaxAgeMillis) {
        void check(List<String> errors) {
            range(errors, "kindling.scaler.stable-window-seconds", stableWindowSeconds, 1, 3600);
            range(errors, "kindling.scaler.burst-window-seconds", burstWindowSeconds, 1, stableWindowSeconds);
            range(errors, "kindling.scaler.high-resolution-period-seconds", highResolutionPeriodSeconds, 1, 3600);
            if (!(burstThreshold >= 1.1 && burstThreshold <= 10)) {
                errors.add("kindling.scaler.burst-threshold must be between 1.1 and 10, was " + burstThreshold);
            }
            range(errors, "kindling.scaler.scale-to-zero-grace-seconds", scaleToZeroGraceSeconds, 1, 86_400);
            if (!(maxScaleInFraction > 0 && maxScaleInFraction <= 1)) {
                errors.add("kindling.scaler.max-scale-in-fraction must be greater than 0 and at most 1, was "
                        + maxScaleInFraction);
            }
            if (!(scaleInTolerance >= 0 && scaleInTolerance <= 0.9)) {
                errors.add("kindling.scaler.scale-in-tolerance must be between 0 and 0.9, was " + scaleInTolerance);
            }
            range(errors, "kindling.scaler.scale-out-give-up-seconds", scaleOutGiveUpSeconds, 10, 86_400);
            range(errors, "kindling.scaler.default-instance-scale-in-cooldown-seconds",
                    defaultInstanceScaleInCooldownSeconds, 0, 86_400);
            range(errors, "kindling.scaler.router-load-max-age-millis", routerLoadMaxAgeMillis, 500, 60_000);
        }
    }

    /**
     * @param provider which fleet launches instances: {@code local} (emulated instances in this JVM) or {@code ec2}
     *        (EC2 instances from a launch template, endpoint caches as EBS snapshots)
     */
    public record Fleet(@DefaultValue("local") String provider, @DefaultValue Local local, @DefaultValue Ec2 ec2) {
        void check(List<String> errors) {
            if (!"local".equals(provider) && !"ec2".equals(provider)) {
                errors.add("kindling.fleet.provider must be 'local' or 'ec2', was '" + provider + "'");
            }
            local.check(errors);
            if ("ec2".equals(provider)) ec2.check(errors);
        }
    }

    /**
     * The EC2 fleet (with {@code kindling.fleet.provider=ec2}). Instances start from a launch template (AMI with
     * Java 21+, instance profile allowed to pull from ECR and read the model buckets); user data installs and starts
     * the agent. Endpoint caches are EBS snapshots, filled by a builder instance and attached to every launch.
     * {@code kindling.api.control-plane-url} must be set to an address the instances reach.
     *
     * @param region AWS region of instances and snapshots
     * @param endpointOverride an EC2-compatible endpoint instead of AWS's (tests); empty: AWS
     * @param launchTemplateId the launch template by id (wins over the name)
     * @param launchTemplateName the launch template by name
     * @param launchTemplateVersion a version number, {@code $Default} or {@code $Latest}
     * @param subnetIds subnets to launch into, tried in turn when one lacks capacity; empty: the template's
     * @param securityGroupIds security groups of launched instances; empty: the template's
     * @param builderInstanceType EC2 type of cache builders (network-heavy, no accelerator)
     * @param cacheVolumeSizeGib size of a cache volume (gp3); must hold every image and model of an endpoint
     * @param agentJarUrl where user data downloads the agent ({@code https://} or {@code s3://}); empty: the AMI
     *        has it at {@code /opt/kindling/kindling-agent.jar}
     * @param pollIntervalMillis time between two polls of a builder, a snapshot or a console
     * @param builderTimeoutSeconds a builder not stopped by then is terminated and the build fails
     * @param snapshotTimeoutSeconds a snapshot not complete by then is deleted and the build fails
     * @param consoleTimeoutSeconds longest wait for a stopped builder's console to show its result
     * @param callTimeoutMillis longest one EC2 API call may take
     * @param callAttempts attempts per EC2 call when EC2 throttles or fails
     * @param retryBackoffMillis first pause between attempts (doubling, with jitter)
     */
    public record Ec2(
            @DefaultValue("us-east-1") String region,
            @DefaultValue("") String endpointOverride,
            @DefaultValue("") String launchTemplateId,
            @DefaultValue("") String launchTemplateName,
            @DefaultValue("$Default") String launchTemplateVersion,
            @DefaultValue List<String> subnetIds,
            @DefaultValue List<String> securityGroupIds,
            @DefaultValue("c6in.large") String builderInstanceType,
            @DefaultValue("100") int cacheVolumeSizeGib,
            @DefaultValue("") String agentJarUrl,
            @DefaultValue("5000") long pollIntervalMillis,
            @DefaultValue("1800") long builderTimeoutSeconds,
            @DefaultValue("3600") long snapshotTimeoutSeconds,
            @DefaultValue("300") long consoleTimeoutSeconds,
            @DefaultValue("30000") long callTimeoutMillis,
            @DefaultValue("5") int callAttempts,
            @DefaultValue("200") long retryBackoffMillis) {

        void check(List<String> errors) {
            if (region.isBlank()) errors.add("kindling.fleet.ec2.region must not be empty");
            if (!endpointOverride.isBlank() && !endpointOverride.startsWith("http://") && !endpointOverride.startsWith("https://")) {
                errors.add("kindling.fleet.ec2.endpoint-override must be an http(s) URL, was '" + endpointOverride + "'");
            }
            if (launchTemplateId.isBlank() && launchTemplateName.isBlank()) {
                errors.add("kindling.fleet.ec2.launch-template-id or kindling.fleet.ec2.launch-template-name must be set");
            }
            if (builderInstanceType.isBlank()) errors.add("kindling.fleet.ec2.builder-instance-type must not be empty");
            if (!agentJarUrl.isBlank() && !agentJarUrl.matches("(https?|s3)://.+")) {
                errors.add("kindling.fleet.ec2.agent-jar-url must be an https://, http:// or s3:// URL, was '"
                        + agentJarUrl + "'");
            }
            range(errors, "kindling.fleet.ec2.cache-volume-size-gib", cacheVolumeSizeGib, 1, 16_384);
            range(errors, "kindling.fleet.ec2.poll-interval-millis", pollIntervalMillis, 1, 600_000);
            range(errors, "kindling.fleet.ec2.builder-timeout-seconds", builderTimeoutSeconds, 1, 86_400);
            range(errors, "kindling.fleet.ec2.snapshot-timeout-seconds", snapshotTimeoutSeconds, 1, 86_400);
            range(errors, "kindling.fleet.ec2.console-timeout-seconds", consoleTimeoutSeconds, 1, 3600);
            range(errors, "kindling.fleet.ec2.call-timeout-millis", callTimeoutMillis, 100, 600_000);
            range(errors, "kindling.fleet.ec2.call-attempts", callAttempts, 1, 20);
            range(errors, "kindling.fleet.ec2.retry-backoff-millis", retryBackoffMillis, 1, 60_000);
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
