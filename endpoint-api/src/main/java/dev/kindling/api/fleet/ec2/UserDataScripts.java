package dev.kindling.api.fleet.ec2;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The shell scripts EC2 instances run at first boot (cloud-init runs user data that starts with {@code #!} as root):
 * one that starts the instance agent, one that builds an endpoint's cache volume and stops the instance. No script
 * traces itself ({@code set -x}): the agent's holds the instance secret, which must reach no log.
 */
public final class UserDataScripts {

    /** Where an instance mounts its endpoint's cache volume, read-only; the cache grant names this path. */
    public static final String CACHE_MOUNT = "/mnt/kindling-cache";
    /** The file-system label a builder gives the cache volume; an instance finds it by label, whatever its device. */
    public static final String CACHE_LABEL = "kindling-cache";
    /** The device the cache volume is attached as (a builder's empty volume, and a launch's snapshot). */
    public static final String CACHE_DEVICE = "/dev/sdf";
    /** Where the agent's jar is, downloaded by the script or baked into the AMI. */
    public static final String AGENT_JAR = "/opt/kindling/kindling-agent.jar";

    /** A builder prints this, the gzipped and base64-encoded kindling-cache.json, and {@link #END_MARKER}. */
    static final String CONTENT_MARKER = "KINDLING-CACHE-CONTENT";
    static final String END_MARKER = "KINDLING-CACHE-END";
    /** A builder that failed prints this and the base64-encoded reason. */
    static final String FAILED_MARKER = "KINDLING-CACHE-BUILD-FAILED";
    /** EC2 refuses user data over 16 KB (before base64). */
    static final int MAX_BYTES = 16 * 1024;

    /** Characters a value may have to be written unquoted into a systemd environment file. */
    private static final Pattern ENV_SAFE = Pattern.compile("[A-Za-z0-9._:/@%+=,~?&#\\[\\]-]*");

    private UserDataScripts() {}

    /**
     * What an instance's agent is told at boot.
     *
     * @param instanceType the SageMaker instance type name the agent reports ({@code ml.g6.2xlarge})
     * @param cacheAttached whether the launch attached the endpoint's cache volume, to be mounted
     */
    public record AgentBoot(String instanceId, String instanceType, String endpointName, URI controlPlaneUrl,
                            String instanceSecret, String region, String agentJarUrl, boolean cacheAttached) {}

    /** The script that mounts the cache volume (if attached) and starts the agent as a systemd service. */
    public static String agent(AgentBoot boot) {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/bash\n")
                .append("# Kindling instance agent ").append(boot.instanceId()).append(" of endpoint ")
                .append(boot.endpointName()).append(", launched by the control plane's EC2 fleet.\n")
                .append("# No tracing: the environment file below holds the instance's secret.\n")
                .append("set -euo pipefail\n")
                .append("umask 077\n")
                .append("mkdir -p /opt/kindling /etc/kindling /var/lib/kindling\n")
                .append(fetchAgent(boot.agentJarUrl(), "{ echo kindling: %s >&2; exit 1; }")).append('\n');
        if (boot.cacheAttached()) {
            s.append("""
                    # The endpoint's cache volume carries the label its builder gave it: device names differ
                    # between Xen and Nitro instances, the label does not. A volume that does not appear is not
                    # fatal: the agent reports it missing when granted the cache, and fetches from the next tier.
                    for i in $(seq 1 60); do [ -e /dev/disk/by-label/%1$s ] && break; sleep 1; done
                    if [ -e /dev/disk/by-label/%1$s ]; then
                      mkdir -p %2$s
                      mount -o ro,noload /dev/disk/by-label/%1$s %2$s || echo "kindling: could not mount the cache volume" >&2
                    else
                      echo "kindling: the cache volume did not appear" >&2
                    fi
                    """.formatted(CACHE_LABEL, CACHE_MOUNT));
        }
        s.append("""
                # The agent listens on the instance's private address, which it registers with the control plane.
                imds_token=$(curl -sS --retry 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
                http://169.254.169.254/latest/api/token)
                private_ip=$(curl -sS --retry 5 -H "X-aws-ec2-metadata-token: $imds_token" \
                http://169.254.169.254/latest/meta-data/local-ipv4)
                cat > /etc/kindling/agent.env <<'KINDLING_ENV'
                """);
        s.append(env("KINDLING_INSTANCE_ID", boot.instanceId()))
                .append(env("KINDLING_INSTANCE_TYPE", boot.instanceType()))
                .append(env("KINDLING_ENDPOINT_NAME", boot.endpointName()))
                .append(env("KINDLING_CONTROL_PLANE_URL", boot.controlPlaneUrl().toString()))
                .append(env("AWS_REGION", boot.region()));
        if (boot.instanceSecret() != null) s.append(env("KINDLING_INSTANCE_SECRET", boot.instanceSecret()));
        s.append("KINDLING_ENV\n")
                .append("echo \"KINDLING_BIND_HOST=$private_ip\" >> /etc/kindling/agent.env\n")
                .append("""
                        cat > /etc/systemd/system/kindling-agent.service <<'KINDLING_UNIT'
                        [Unit]
                        Description=Kindling instance agent
                        Wants=network-online.target
                        After=network-online.target

                        [Service]
                        EnvironmentFile=/etc/kindling/agent.env
                        ExecStart=/usr/bin/env java -jar %s
                        Restart=on-failure
                        RestartSec=2

                        [Install]
                        WantedBy=multi-user.target
                        KINDLING_UNIT
                        systemctl daemon-reload
                        systemctl enable --now kindling-agent.service
                        """.formatted(AGENT_JAR));
        return s.toString();
    }

    /**
     * The script of a cache builder: formats and mounts the empty data volume (labelled {@link #CACHE_LABEL}), runs
     * the agent's {@code build-cache} into it, unmounts it, prints the result on the console (the volume's
     * {@code kindling-cache.json}, or why it failed) and stops the instance, which the control plane then snapshots.
     *
     * @param planJson the endpoint's cache plan, {@code {"images":[...],"models":[...]}}, on one line
     */
    public static String cacheBuilder(String endpointName, long generation, String planJson, String region,
                                      String agentJarUrl) {
        if (planJson.contains("\n")) throw new IllegalArgumentException("the plan must be JSON on one line");
        if (!ENV_SAFE.matcher(endpointName).matches()) {
            throw new IllegalArgumentException("endpoint name '" + endpointName + "' has characters a script cannot keep");
        }
        return """
                #!/bin/bash
                # Kindling cache builder: endpoint %1$s, generation %2$d.
                set -uo pipefail
                export AWS_REGION=%3$s
                report() { { echo "$1" > /dev/console; } 2>/dev/null || true; echo "$1"; }
                fail() { report "%4$s $(printf '%%s' "$1" | base64 -w0)"; sync; shutdown -h now; exit 1; }
                # The empty EBS data volume: attached as %5$s (Xen, or a udev link on Nitro) or an NVMe EBS disk; without
                # partitions, file system or mount, so never the root volume.
                find_data_volume() {
                  for d in %5$s /dev/xvdf $(lsblk -dpno NAME,MODEL | awk '/Elastic Block Store/ {print $1}'); do
                    [ -b "$d" ] || continue
                    d=$(readlink -f "$d")
                    [ "$(lsblk -no NAME "$d" | wc -l)" -eq 1 ] || continue
                    [ -z "$(blkid -o value -s TYPE "$d" 2>/dev/null)" ] || continue
                    findmnt -rn -S "$d" > /dev/null && continue
                    echo "$d"; return 0
                  done
                  return 1
                }
                device=""
                for i in $(seq 1 120); do device=$(find_data_volume) && break; sleep 1; done
                [ -n "$device" ] || fail "no empty data volume appeared at %5$s"
                mkfs.ext4 -q -m 0 -L %6$s "$device" || fail "could not format $device"
                mkdir -p %7$s && mount "$device" %7$s || fail "could not mount $device"
                mkdir -p /opt/kindling
                %8$s
                cat > /opt/kindling/plan.json <<'KINDLING_PLAN'
                %9$s
                KINDLING_PLAN
                java -jar %10$s build-cache --dir %7$s --endpoint %11$s --generation %2$d --plan /opt/kindling/plan.json \
                > /var/log/kindling-cache-build.log 2>&1
                status=$?
                [ "$status" -eq 0 ] || fail "build-cache exited with $status: $(tail -c 2000 /var/log/kindling-cache-build.log)"
                [ -f %7$s/kindling-cache.json ] || fail "build-cache left no kindling-cache.json"
                content=$(gzip -9c %7$s/kindling-cache.json | base64 -w0) || fail "could not read kindling-cache.json"
                sync
                umount %7$s || fail "could not unmount the cache volume"
                report "%12$s $content %13$s"
                shutdown -h now
                """.formatted(endpointName, generation, shellQuote(region), FAILED_MARKER, CACHE_DEVICE, CACHE_LABEL,
                CACHE_MOUNT, fetchAgent(agentJarUrl, "fail %s"),
                planJson, AGENT_JAR, shellQuote(endpointName), CONTENT_MARKER, END_MARKER);
    }

    /** User data as RunInstances takes it; refuses a script EC2 would refuse. */
    public static String base64(String script) {
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("user data is " + bytes.length + " bytes; EC2 takes at most " + MAX_BYTES);
        }
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * Downloads the agent (atomically: a partial download never runs), or checks the AMI has it; when it cannot,
     * runs {@code onFailure} (a format with one {@code %s}: the reason, in double quotes).
     */
    private static String fetchAgent(String url, String onFailure) {
        if (url == null) {
            return "[ -f " + AGENT_JAR + " ] || " + onFailure.formatted("\"no agent at " + AGENT_JAR + " in the AMI\"");
        }
        String get = url.startsWith("s3://")
                ? "aws s3 cp --only-show-errors " + shellQuote(url) + " " + AGENT_JAR + ".part"
                : "curl -fsSL --retry 5 --retry-delay 2 -o " + AGENT_JAR + ".part " + shellQuote(url);
        return "{ " + get + " && mv " + AGENT_JAR + ".part " + AGENT_JAR + "; } || "
                + onFailure.formatted("\"could not download the agent\"");
    }

    /** A word the shell reads back as exactly {@code s}. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String env(String name, String value) {
        if (value == null || !ENV_SAFE.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " cannot be passed to the agent: '" + (name.contains("SECRET")
                    ? "<secret>" : value) + "' has characters an environment file does not keep");
        }
        return name + "=" + value + "\n";
    }
}
