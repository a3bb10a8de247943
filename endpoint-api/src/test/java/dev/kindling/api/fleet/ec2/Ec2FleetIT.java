package dev.kindling.api.fleet.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kindling.api.fleet.FleetProvider.CacheVolume;
import dev.kindling.api.fleet.FleetProvider.LaunchException;
import dev.kindling.api.fleet.FleetProvider.LaunchRequest;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The EC2 fleet against a stubbed EC2 endpoint: what RunInstances is asked, termination by tag, and faults. */
class Ec2FleetIT {

    private static final String SECRET = "kis_9f8e7d6c5b4a39281706";

    private final InstanceTypeCatalog catalog = new InstanceTypeCatalog();
    private Ec2Stub stub;
    private Ec2Settings settings;
    private Ec2Calls calls;
    private Ec2Fleet fleet;

    @BeforeEach
    void start() throws Exception {
        stub = new Ec2Stub();
        settings = StubSettings.of(stub);
        calls = StubSettings.calls(settings);
        fleet = new Ec2Fleet(calls, settings);
    }

    @AfterEach
    void stop() {
        fleet.close();
        calls.close();
        stub.close();
    }

    private LaunchRequest request(String id, CacheVolume cache) {
        return new LaunchRequest(id, "chat", "AllTraffic", catalog.get("ml.g6.2xlarge"), SECRET, cache);
    }

    @Test
    void launchRunsOneInstanceFromTheTemplateWithTheCacheSnapshotAttached() {
        String snapshot = stub.existingSnapshot();

        fleet.launch(request("ki-1", new CacheVolume("chat", 3, snapshot)));

        Ec2Stub.Call run = stub.calls("RunInstances").getFirst();
        assertThat(run.params()).containsAllEntriesOf(Map.ofEntries(
                Map.entry("MinCount", "1"), Map.entry("MaxCount", "1"),
                Map.entry("InstanceType", "g6.2xlarge"),
                Map.entry("LaunchTemplate.LaunchTemplateId", "lt-0abc123"), Map.entry("LaunchTemplate.Version", "3"),
                Map.entry("SubnetId", "subnet-a"),
                Map.entry("SecurityGroupId.1", "sg-1"), Map.entry("SecurityGroupId.2", "sg-2"),
                Map.entry("BlockDeviceMapping.1.DeviceName", "/dev/sdf"),
                Map.entry("BlockDeviceMapping.1.Ebs.SnapshotId", snapshot),
                Map.entry("BlockDeviceMapping.1.Ebs.VolumeType", "gp3"),
                Map.entry("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true"),
                Map.entry("ClientToken", "ki-1-cache-0")));
        assertThat(run.tags("instance")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "kindling:instance-id", "ki-1", "kindling:endpoint", "chat", "kindling:variant", "AllTraffic",
                "Name", "kindling-chat-ki-1"));
        assertThat(run.tags("volume")).containsEntry("kindling:endpoint", "chat");
        assertThat(run.userData())
                .contains("KINDLING_INSTANCE_ID=ki-1\n", "KINDLING_INSTANCE_TYPE=ml.g6.2xlarge\n",
                        "KINDLING_ENDPOINT_NAME=chat\n", "KINDLING_CONTROL_PLANE_URL=http://10.0.0.5:8080\n",
                        "KINDLING_INSTANCE_SECRET=" + SECRET + "\n")
                .contains("mount -o ro,noload /dev/disk/by-label/kindling-cache /mnt/kindling-cache")
                .contains("https://artifacts.example.com/kindling-agent.jar");
        // The secret travels in user data only: no tag, no other parameter carries it.
        run.params().forEach((name, value) -> {
            if (!name.equals("UserData")) assertThat(value).as(name).doesNotContain(SECRET);
        });
        assertThat(stub.instances(i -> true)).singleElement().satisfies(i -> assertThat(i.type).isEqualTo("g6.2xlarge"));
    }

    @Test
    void aCacheSnapshotThatIsGoneDoesNotBlockTheLaunch() {
        fleet.launch(request("ki-1", new CacheVolume("chat", 3, "snap-0deleted")));

        assertThat(stub.calls("RunInstances")).hasSize(2);
        Ec2Stub.Call second = stub.calls("RunInstances").get(1);
        assertThat(second.params()).doesNotContainKey("BlockDeviceMapping.1.DeviceName").containsEntry("ClientToken", "ki-1-0");
        assertThat(second.userData()).doesNotContain("mount ");
        assertThat(stub.instances(i -> true)).hasSize(1);
    }

    @Test
    void launchWithoutACacheAttachesNoVolumeAndMountsNothing() {
        fleet.launch(request("ki-2", null));

        Ec2Stub.Call run = stub.calls("RunInstances").getFirst();
        assertThat(run.params()).doesNotContainKey("BlockDeviceMapping.1.DeviceName");
        assertThat(run.userData()).contains("KINDLING_ENDPOINT_NAME=chat").doesNotContain("mount ");
    }

    @Test
    void launchesSpreadOverTheSubnets() {
        fleet.launch(request("ki-1", null));
        fleet.launch(request("ki-2", null));

        assertThat(stub.calls("RunInstances")).extracting(c -> c.get("SubnetId")).containsExactly("subnet-a", "subnet-b");
    }

    @Test
    void aSubnetWithoutCapacityIsSkippedForTheNext() {
        stub.noCapacityIn("subnet-a");

        fleet.launch(request("ki-1", null));

        assertThat(stub.instances(i -> true)).singleElement().satisfies(i -> assertThat(i.subnet).isEqualTo("subnet-b"));
        assertThat(stub.calls("RunInstances")).extracting(c -> c.get("ClientToken")).containsExactly("ki-1-0", "ki-1-1");
    }

    @Test
    void noCapacityAnywhereIsALaunchExceptionNamingEverySubnet() {
        stub.noCapacityIn("subnet-a");
        stub.noCapacityIn("subnet-b");

        assertThatThrownBy(() -> fleet.launch(request("ki-1", null)))
                .isInstanceOf(LaunchException.class)
                .hasMessageStartingWith("InsufficientCapacity")
                .hasMessageContaining("InsufficientInstanceCapacity").hasMessageContaining("subnet-a")
                .hasMessageContaining("subnet-b");
        assertThat(stub.instances(i -> true)).isEmpty();
    }

    @Test
    void aThrottledLaunchIsRetriedWithTheSameClientTokenAndLaunchesOnce() {
        stub.failNext("RunInstances", 2, 503, "RequestLimitExceeded");

        fleet.launch(request("ki-1", null));

        assertThat(stub.calls("RunInstances")).hasSize(3).extracting(c -> c.get("ClientToken")).containsOnly("ki-1-0");
        assertThat(stub.instances(i -> true)).hasSize(1);
        assertThat(calls.retries()).isEqualTo(2);
    }

    @Test
    void aRefusedLaunchIsNotRetried() {
        stub.failNext("RunInstances", 1, 400, "InvalidLaunchTemplateId.Malformed");

        assertThatThrownBy(() -> fleet.launch(request("ki-1", null)))
                .isInstanceOf(LaunchException.class)
                .hasMessageContaining("InvalidLaunchTemplateId.Malformed").hasMessageContaining("ki-1");
        assertThat(stub.calls("RunInstances")).hasSize(1);
    }

    @Test
    void anEc2ThatKeepsFailingOpensTheCircuitAndIsLeftAlone() {
        stub.failNext("RunInstances", 100, 500, "InternalError");
        for (int i = 0; i < 3; i++) {
            String id = "ki-" + i;
            assertThatThrownBy(() -> fleet.launch(request(id, null))).isInstanceOf(LaunchException.class);
        }
        int reached = stub.calls("RunInstances").size();

        assertThatThrownBy(() -> fleet.launch(request("ki-9", null)))
                .isInstanceOf(LaunchException.class).hasMessageContaining("circuit open");
        assertThat(stub.calls("RunInstances")).hasSize(reached);
    }

    @Test
    void terminateEndsTheInstanceItLaunched() {
        fleet.launch(request("ki-1", null));
        String ec2Id = stub.instances(i -> true).getFirst().id;

        fleet.terminate("ki-1");

        assertThat(stub.calls("TerminateInstances")).singleElement()
                .satisfies(c -> assertThat(c.list("InstanceId")).containsExactly(ec2Id));
        assertThat(stub.instance(ec2Id).state).isEqualTo("terminated");
    }

    @Test
    void aRestartedControlPlaneFindsTheInstanceByItsTag() {
        fleet.launch(request("ki-1", null));
        fleet.launch(request("ki-2", null));
        String ec2Id = stub.instances(i -> "ki-1".equals(i.tags.get("kindling:instance-id"))).getFirst().id;

        try (Ec2Fleet restarted = new Ec2Fleet(calls, settings)) {
            restarted.terminate("ki-1");
        }

        Ec2Stub.Call find = stub.calls("DescribeInstances").getFirst();
        assertThat(find.params()).containsEntry("Filter.1.Name", "tag:kindling:instance-id")
                .containsEntry("Filter.1.Value.1", "ki-1").containsEntry("Filter.2.Name", "instance-state-name");
        assertThat(stub.calls("TerminateInstances")).singleElement()
                .satisfies(c -> assertThat(c.list("InstanceId")).containsExactly(ec2Id));
        assertThat(stub.instances(i -> i.state.equals("terminated"))).extracting(i -> i.id).containsExactly(ec2Id);
    }

    @Test
    void terminatingAnInstanceAlreadyGoneIsFine() {
        fleet.launch(request("ki-1", null));
        synchronized (stub) {
            stub.instances.clear();
        }

        fleet.terminate("ki-1");
        fleet.terminate("ki-never-launched");

        assertThat(stub.calls("TerminateInstances")).hasSize(1);
    }

    @Test
    void aTerminationEc2RefusesGoesOnInTheBackground() {
        fleet.launch(request("ki-1", null));
        String ec2Id = stub.instances(i -> true).getFirst().id;
        stub.failNext("TerminateInstances", settings.callAttempts() + 1, 503, "Unavailable");

        fleet.terminate("ki-1");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(stub.instance(ec2Id).state).isEqualTo("terminated"));
    }
}
