package dev.kindling.api.fleet.ec2;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the EC2 fleet launches instances and builds cache volumes.
 *
 * @param region the AWS region instances and snapshots live in
 * @param endpointOverride an EC2-compatible endpoint to call instead of AWS's (tests), or null
 * @param launchTemplate the template every instance (agents and cache builders) starts from: AMI, key, profile
 * @param subnetIds subnets to launch into, tried in turn when one has no capacity; empty: the template's
 * @param securityGroupIds security groups of launched instances; empty: the template's
 * @param controlPlaneUrl where agents report; must be reachable from the instances
 * @param agentJarUrl what user data downloads the agent from ({@code https://...} or {@code s3://...}); null: the
 *                    AMI holds it at {@link UserDataScripts#AGENT_JAR}
 * @param builderInstanceType EC2 instance type of cache builders (network-heavy, no accelerator)
 * @param cacheVolumeSizeGib size of the gp3 volume a builder fills (and so of the snapshot)
 * @param pollInterval time between two DescribeInstances / DescribeSnapshots / GetConsoleOutput polls
 * @param builderTimeout longest a builder may take from launch to stopped; it is terminated after that
 * @param snapshotTimeout longest a snapshot may stay pending
 * @param consoleTimeout longest to wait for a stopped builder's console output to show its result
 * @param callTimeout longest one EC2 API call may take
 * @param callAttempts attempts per EC2 call when EC2 throttles or fails (5xx, timeouts)
 * @param retryBackoff first backoff between attempts; it doubles, with jitter
 */
public record Ec2Settings(String region, URI endpointOverride, LaunchTemplate launchTemplate, List<String> subnetIds,
                          List<String> securityGroupIds, URI controlPlaneUrl, String agentJarUrl,
                          String builderInstanceType, int cacheVolumeSizeGib, Duration pollInterval,
                          Duration builderTimeout, Duration snapshotTimeout, Duration consoleTimeout,
                          Duration callTimeout, int callAttempts, Duration retryBackoff) {

    public Ec2Settings {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(launchTemplate, "launchTemplate");
        Objects.requireNonNull(controlPlaneUrl, "controlPlaneUrl");
        subnetIds = List.copyOf(subnetIds);
        securityGroupIds = List.copyOf(securityGroupIds);
        if (agentJarUrl != null && agentJarUrl.isBlank()) agentJarUrl = null;
        if (callAttempts < 1) throw new IllegalArgumentException("callAttempts must be at least 1");
    }

    /**
     * A launch template by id or by name (the id wins when both are set), at a version: a number, {@code $Default}
     * or {@code $Latest}.
     */
    public record LaunchTemplate(String id, String name, String version) {
        public LaunchTemplate {
            if (id != null && id.isBlank()) id = null;
            if (name != null && name.isBlank()) name = null;
            if (id == null && name == null) throw new IllegalArgumentException("a launch template id or name is required");
            if (version == null || version.isBlank()) version = "$Default";
        }
    }
}
