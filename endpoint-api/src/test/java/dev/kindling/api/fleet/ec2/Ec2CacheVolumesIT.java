package dev.kindling.api.fleet.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.api.caches.CacheVolumes.BuiltVolume;
import dev.kindling.api.caches.CacheVolumes.CacheBuildException;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cache volumes as EBS snapshots against a stubbed EC2 endpoint: the builder's launch, the snapshot of its volume,
 * the clean-up, and every way a build fails without leaving a builder, a volume or a half-built snapshot behind.
 */
class Ec2CacheVolumesIT {

    private static final String IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/qwen3:8b";
    private static final String MODEL = "s3://models/qwen3-8b";
    private static final EndpointCachePlan PLAN = new EndpointCachePlan(List.of(IMAGE), List.of(MODEL));
    private static final String CONTENT = BuilderReports.content("chat", 3, IMAGE, 17_700, MODEL, 16_000);

    private Ec2Stub stub;
    private Ec2Calls calls;
    private Ec2Settings settings;

    @BeforeEach
    void start() throws Exception {
        stub = new Ec2Stub();
        settings = StubSettings.of(stub);
        calls = StubSettings.calls(settings);
        stub.builderConsole = BuilderReports.built(CONTENT);
    }

    @AfterEach
    void stop() {
        calls.close();
        stub.close();
    }

    private Ec2CacheVolumes volumes(Ec2Settings s) {
        return new Ec2CacheVolumes(calls, s, Clock.systemUTC());
    }

    private Ec2Settings withTimeouts(Duration builder, Duration console) {
        return new Ec2Settings(settings.region(), settings.endpointOverride(), settings.launchTemplate(),
                settings.subnetIds(), settings.securityGroupIds(), settings.controlPlaneUrl(), settings.agentJarUrl(),
                settings.builderInstanceType(), settings.cacheVolumeSizeGib(), settings.pollInterval(), builder,
                settings.snapshotTimeout(), console, settings.callTimeout(), settings.callAttempts(),
                settings.retryBackoff());
    }

    /** Nothing a build launched or made is left, except the snapshots named. */
    private void assertCleanedUp(String... keptSnapshots) {
        assertThat(stub.instances(i -> !i.state.equals("terminated"))).isEmpty();
        assertThat(stub.volumes()).isEmpty();
        assertThat(stub.snapshots()).extracting(s -> s.id).containsExactlyInAnyOrder(keptSnapshots);
    }

    @Test
    void buildsASnapshotOfTheBuildersVolumeAndReportsWhatItHolds() {
        BuiltVolume built = volumes(settings).build("chat", 3, PLAN);

        Ec2Stub.Call run = stub.calls("RunInstances").getFirst();
        assertThat(run.params()).containsAllEntriesOf(Map.ofEntries(
                Map.entry("InstanceType", "c6in.large"),
                Map.entry("InstanceInitiatedShutdownBehavior", "stop"),
                Map.entry("LaunchTemplate.LaunchTemplateId", "lt-0abc123"),
                Map.entry("SubnetId", "subnet-a"), Map.entry("SecurityGroupId.1", "sg-1"),
                Map.entry("BlockDeviceMapping.1.DeviceName", "/dev/sdf"),
                Map.entry("BlockDeviceMapping.1.Ebs.VolumeSize", "50"),
                Map.entry("BlockDeviceMapping.1.Ebs.VolumeType", "gp3"),
                Map.entry("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true")));
        assertThat(run.params()).doesNotContainKey("BlockDeviceMapping.1.Ebs.SnapshotId");
        assertThat(run.tags("instance")).containsEntry("kindling:endpoint", "chat")
                .containsEntry("kindling:generation", "3").containsEntry("kindling:role", "cache-builder");
        assertThat(run.userData())
                .contains("java -jar /opt/kindling/kindling-agent.jar build-cache --dir /mnt/kindling-cache "
                        + "--endpoint 'chat' --generation 3 --plan /opt/kindling/plan.json")
                .contains("{\"images\":[\"" + IMAGE + "\"],\"models\":[\"" + MODEL + "\"]}")
                .contains("mkfs.ext4 -q -m 0 -L kindling-cache")
                .contains("shutdown -h now");

        String builder = stub.instances(i -> i.builder).getFirst().id;
        Ec2Stub.Call snapshot = stub.calls("CreateSnapshot").getFirst();
        assertThat(snapshot.tags("snapshot")).containsEntry("kindling:endpoint", "chat").containsEntry("kindling:generation", "3");
        assertThat(stub.calls("DescribeVolumes").getFirst().params())
                .containsEntry("Filter.1.Name", "attachment.instance-id").containsEntry("Filter.1.Value.1", builder)
                .containsEntry("Filter.2.Name", "attachment.device").containsEntry("Filter.2.Value.1", "/dev/sdf");

        assertThat(built.location()).startsWith("snap-");
        // Instances get the snapshot as a volume their user data mounts, not as a path on the control plane.
        assertThat(volumes(settings).mountedAt(built.location())).isEqualTo(Ec2CacheVolumes.MOUNT_PATH);
        assertThat(built.imageBytes()).isEqualTo(17_700);
        assertThat(built.modelBytes()).isEqualTo(16_000);
        assertThat(built.contentJson()).isEqualTo(CONTENT);
        assertThat(stub.snapshots()).singleElement().satisfies(s -> {
            assertThat(s.id).isEqualTo(built.location());
            assertThat(s.state).isEqualTo("completed");
        });
        // The snapshot was taken of the builder's stopped volume, which went when the builder was terminated.
        assertThat(stub.calls("TerminateInstances")).singleElement()
                .satisfies(c -> assertThat(c.list("InstanceId")).containsExactly(builder));
        assertThat(stub.calls("CreateSnapshot").getFirst().get("VolumeId")).startsWith("vol-");
        assertCleanedUp(built.location());
    }

    @Test
    void aVolumeThatOutlivesItsBuilderIsDeleted() {
        stub.volumesOutliveTermination = true;

        BuiltVolume built = volumes(settings).build("chat", 3, PLAN);

        assertThat(stub.calls("DeleteVolume")).hasSize(1);
        assertCleanedUp(built.location());
    }

    @Test
    void aSnapshotInErrorFailsTheBuildNamingTheEndpointAndIsDeleted() {
        stub.snapshotsFail = true;

        assertThatThrownBy(() -> volumes(settings).build("chat", 3, PLAN))
                .isInstanceOf(CacheBuildException.class)
                .hasMessageContaining("endpoint chat (generation 3)")
                .hasMessageContaining("failed: Snapshot copy failed: internal error");
        assertThat(stub.calls("DeleteSnapshot")).hasSize(1);
        assertCleanedUp();
    }

    @Test
    void aBuilderThatNeverStopsTimesOutAndIsTerminatedWithItsVolume() {
        stub.builderStopsAfterPolls = -1;

        assertThatThrownBy(() -> volumes(withTimeouts(Duration.ofMillis(200), Duration.ofSeconds(30))).build("chat", 3, PLAN))
                .isInstanceOf(CacheBuildException.class)
                .hasMessageContaining("endpoint chat").hasMessageContaining("did not finish within PT0.2S")
                .hasMessageContaining("was running");
        assertThat(stub.calls("CreateSnapshot")).isEmpty();
        assertThat(stub.calls("TerminateInstances")).hasSize(1);
        assertCleanedUp();
    }

    @Test
    void aBuilderThatReportsAFailureIsNotSnapshotted() {
        stub.builderConsole = BuilderReports.failed("build-cache exited with 3: pulling " + IMAGE + ": HTTP 403 denied");

        assertThatThrownBy(() -> volumes(settings).build("chat", 3, PLAN))
                .isInstanceOf(CacheBuildException.class)
                .hasMessageContaining("endpoint chat")
                .hasMessageContaining("failed: build-cache exited with 3: pulling " + IMAGE + ": HTTP 403 denied");
        assertThat(stub.calls("CreateSnapshot")).isEmpty();
        assertCleanedUp();
    }

    @Test
    void aBuilderWhoseConsoleStaysSilentFailsAfterTheConsoleTimeout() {
        stub.builderConsole = BuilderReports.BOOT_NOISE;

        assertThatThrownBy(() -> volumes(withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(100))).build("chat", 3, PLAN))
                .isInstanceOf(CacheBuildException.class).hasMessageContaining("console showed no result");
        assertThat(stub.calls("CreateSnapshot")).isEmpty();
        assertCleanedUp();
    }

    @Test
    void aVolumeThatLacksAPlannedModelIsNotSnapshotted() {
        EndpointCachePlan more = new EndpointCachePlan(List.of(IMAGE), List.of(MODEL, "s3://models/other"));

        assertThatThrownBy(() -> volumes(settings).build("chat", 3, more))
                .isInstanceOf(CacheBuildException.class).hasMessageContaining("lacks model s3://models/other");
        assertCleanedUp();
    }

    @Test
    void aReportOfAnotherGenerationIsRefused() {
        assertThatThrownBy(() -> volumes(settings).build("chat", 4, PLAN))
                .isInstanceOf(CacheBuildException.class).hasMessageContaining("endpoint chat generation 3");
        assertCleanedUp();
    }

    @Test
    void throttledPollsAreRetried() {
        stub.failNext("DescribeInstances", 2, 503, "RequestLimitExceeded");
        stub.failNext("CreateSnapshot", 1, 503, "RequestLimitExceeded");

        BuiltVolume built = volumes(settings).build("chat", 3, PLAN);

        assertThat(calls.retries()).isEqualTo(3);
        assertCleanedUp(built.location());
    }

    @Test
    void aBuilderThatCannotBeLaunchedFailsTheBuild() {
        stub.failNext("RunInstances", 1, 400, "InvalidParameterValue");

        assertThatThrownBy(() -> volumes(settings).build("chat", 3, PLAN))
                .isInstanceOf(CacheBuildException.class)
                .hasMessageContaining("could not launch a builder").hasMessageContaining("InvalidParameterValue");
        assertCleanedUp();
    }

    @Test
    void deleteRemovesTheSnapshotAndASnapshotAlreadyGoneIsFine() {
        Ec2CacheVolumes v = volumes(settings);
        BuiltVolume built = v.build("chat", 3, PLAN);

        v.delete(built.location());
        v.delete(built.location());
        v.delete("/var/lib/kindling/caches/chat-3");

        assertThat(stub.calls("DeleteSnapshot")).hasSize(2);
        assertCleanedUp();
    }
}
