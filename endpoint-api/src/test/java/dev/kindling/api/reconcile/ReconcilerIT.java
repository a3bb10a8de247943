package dev.kindling.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.fleet.InstanceType;
import dev.kindling.api.model.Requests;
import dev.kindling.cache.placement.Resources;
import dev.kindling.db.model.ComponentStatus;
import dev.kindling.db.model.Copy;
import dev.kindling.db.model.CopyStatus;
import dev.kindling.db.model.EndpointStatus;
import dev.kindling.db.model.Instance;
import dev.kindling.db.model.InstanceStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against a real PostgreSQL database, with time moved by hand: instances that stop heartbeating or
 * never register are replaced, copies are re-placed when their instance dies, and placement never over-commits.
 */
class ReconcilerIT {

    private ReconcilerHarness h;

    @BeforeEach
    void setUp() {
        h = new ReconcilerHarness();
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void endpointBecomesInServiceOnlyWhenItsInstancesRegister() {
        h.createEndpoint("ep", "ml.g5.xlarge", 2);
        h.reconcile();
        assertThat(h.fleet.launched).hasSize(2);
        assertThat(h.endpointService.get("ep").block().status()).isEqualTo(EndpointStatus.Creating);

        h.reconcile(); // launched but not registered: no more launches, still Creating
        assertThat(h.fleet.launched).hasSize(2);
        assertThat(h.endpointService.get("ep").block().status()).isEqualTo(EndpointStatus.Creating);

        h.bootAll();
        h.reconcile();
        assertThat(h.endpointService.get("ep").block().status()).isEqualTo(EndpointStatus.InService);
        assertThat(h.liveInstances("ep")).extracting(Instance::status).containsOnly(InstanceStatus.InService);
    }

    @Test
    void instanceThatMissesHeartbeatsIsReplacedAndItsCopiesPlacedAgain() {
        h.createEndpoint("ep", "ml.g5.12xlarge", 2);
        h.createComponent("model", "ep", 1, 2, 8192, 4);
        h.settle();
        List<Copy> before = h.copiesOf("model");
        assertThat(before).hasSize(4).extracting(Copy::status).containsOnly(CopyStatus.InService);
        String victim = before.getFirst().instanceId();
        long onVictim = before.stream().filter(c -> c.instanceId().equals(victim)).count();

        h.crashed.add(victim);
        h.clock.advance(ReconcilerHarness.SETTINGS.heartbeatTimeout());
        h.beat();
        h.reconcile();
        assertThat(h.fleet.terminated).as("silent for exactly the timeout: not dead yet").isEmpty();

        h.clock.advance(Duration.ofMillis(1));
        h.beat();
        List<Action> actions = h.reconcile();
        assertThat(actions).filteredOn(a -> a instanceof Action.TerminateInstance)
                .singleElement().satisfies(a -> {
                    Action.TerminateInstance t = (Action.TerminateInstance) a;
                    assertThat(t.instanceId()).isEqualTo(victim);
                    assertThat(t.reason()).contains("missed heartbeats");
                });
        assertThat(actions).filteredOn(a -> a instanceof Action.LaunchInstance).hasSize(1);
        assertThat(h.fleet.terminated).containsExactly(victim);
        assertThat(h.instances.find(victim).block().status()).isEqualTo(InstanceStatus.Terminated);
        assertThat(h.instances.find(victim).block().failureReason()).contains("missed heartbeats");
        // The survivor has room, so the lost copies are placed again in the same pass.
        assertThat(h.copiesOf("model")).as("copies on the dead instance are gone").hasSize(4)
                .noneMatch(c -> c.instanceId().equals(victim));
        assertThat(onVictim).isPositive();

        h.settle();
        List<Copy> after = h.copiesOf("model");
        assertThat(after).hasSize(4).extracting(Copy::status).containsOnly(CopyStatus.InService);
        assertThat(after).noneMatch(c -> c.instanceId().equals(victim));
        assertThat(h.liveInstances("ep")).hasSize(2);
        assertThat(h.componentService.get("model").block().status()).isEqualTo(ComponentStatus.InService);
    }

    @Test
    void aFinishedStartIsStoredWithTheCopyAndExportedOnce() {
        h.createEndpoint("ep", "ml.g5.12xlarge", 1);
        h.createComponent("model", "ep", 1, 2, 8192, 4);
        h.settle();
        h.beat(); // more reports of copies already InService must not count their start again
        h.beat();

        List<Copy> copies = h.copiesOf("model");
        assertThat(copies).hasSize(4).allSatisfy(c -> assertThat(c.startupJson()).contains("\"registry\""));
        var phase = h.meters.find("kindling.copy.start.phase")
                .tags("endpoint", "ep", "component", "model", "phase", "image").timer();
        assertThat(phase.count()).isEqualTo(4);
        assertThat(phase.totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(8.0); // 2 s each
        assertThat(h.meters.find("kindling.cache.tier.bytes").tags("artifact", "image", "tier", "registry").counter().count())
                .isEqualTo(400.0);
        assertThat(h.meters.find("kindling.copy.start").tags("outcome", "InService").timer().count()).isEqualTo(4);
    }

    @Test
    void instanceWhoseAgentNeverRegistersIsReplacedAfterTheLaunchTimeout() {
        h.createEndpoint("ep", "ml.m5.large", 1);
        h.reconcile();
        String first = h.fleet.launched.getFirst().instanceId();

        h.clock.advance(ReconcilerHarness.SETTINGS.launchTimeout());
        h.reconcile();
        assertThat(h.fleet.terminated).isEmpty();

        h.clock.advance(Duration.ofSeconds(1));
        h.reconcile();
        assertThat(h.fleet.terminated).containsExactly(first);
        assertThat(h.instances.find(first).block().failureReason()).contains("did not register");
        assertThat(h.fleet.launched).hasSize(2);
    }

    @Test
    void launchFailureWhileCreatingFailsTheEndpointWithTheReason() {
        h.fleet.capacity = 1;
        h.createEndpoint("ep", "ml.g5.xlarge", 2);
        h.reconcile();
        var e = h.endpointService.get("ep").block();
        assertThat(e.status()).isEqualTo(EndpointStatus.Failed);
        assertThat(e.failureReason()).contains("could not launch ml.g5.xlarge").contains("InsufficientCapacity");
    }

    @Test
    void copyThatFailsToStartFailsTheComponentWhileCreating() {
        h.createEndpoint("ep", "ml.g5.xlarge", 1);
        h.settle();
        h.failingComponents.put("broken", "model server exited: CUDA out of memory");
        h.createComponent("broken", "ep", 1, 1, 1024, 1);
        h.settle();
        var c = h.componentService.get("broken").block();
        assertThat(c.status()).isEqualTo(ComponentStatus.Failed);
        assertThat(c.failureReason()).contains("failed to start").contains("CUDA out of memory");
    }

    @Test
    void componentThatCannotFitFailsWithInsufficientCapacityAfterTheWait() {
        h.createEndpoint("ep", "ml.g5.xlarge", 1);
        h.createComponent("big", "ep", 1, 1, 1024, 2); // one accelerator per copy, one per instance
        h.settle();
        assertThat(h.copiesOf("big")).hasSize(1);
        assertThat(h.componentService.get("big").block().status()).isEqualTo(ComponentStatus.Creating);

        h.clock.advance(ReconcilerHarness.SETTINGS.capacityWait().plusSeconds(1));
        h.beat(); // the instance stays alive meanwhile
        h.reconcile();
        var c = h.componentService.get("big").block();
        assertThat(c.status()).isEqualTo(ComponentStatus.Failed);
        assertThat(c.failureReason()).startsWith("InsufficientCapacity: 1 of 2 copies placed");
    }

    @Test
    void copyCountChangesAddAndRemoveCopies() {
        h.createEndpoint("ep", "ml.g5.12xlarge", 1);
        h.createComponent("model", "ep", 1, 1, 1024, 1);
        h.settle();
        h.componentService.updateRuntimeConfig("model", new Requests.RuntimeConfigBody(4), null).block();
        assertThat(h.componentService.get("model").block().status()).isEqualTo(ComponentStatus.Updating);
        h.settle();
        assertThat(h.copiesOf("model")).hasSize(4);
        assertThat(h.componentService.get("model").block().status()).isEqualTo(ComponentStatus.InService);

        h.componentService.updateRuntimeConfig("model", new Requests.RuntimeConfigBody(1), null).block();
        h.settle();
        assertThat(h.copiesOf("model")).singleElement().extracting(Copy::status).isEqualTo(CopyStatus.InService);
    }

    @Test
    void specificationUpdateRollsCopiesToTheNewRevision() {
        h.createEndpoint("ep", "ml.g5.12xlarge", 1);
        h.createComponent("model", "ep", 1, 1, 1024, 2);
        h.settle();
        h.componentService.update("model", new Requests.UpdateInferenceComponent(new Requests.SpecificationBody(
                new Requests.ContainerBody("repo/model:2", null, null), new Requests.ComputeBody(1, 1.0, 1024L, null),
                null), null), null).block();
        h.settle();
        assertThat(h.copiesOf("model")).hasSize(2).extracting(Copy::specRevision).containsOnly(2L);
        assertThat(h.componentService.get("model").block().status()).isEqualTo(ComponentStatus.InService);
    }

    @Test
    void updateToAnotherInstanceTypeReplacesInstancesOnlyAfterTheNewOnesServe() {
        h.createEndpoint("ep", "ml.g5.xlarge", 1);
        h.createComponent("model", "ep", 1, 1, 1024, 1);
        h.settle();
        String oldInstance = h.liveInstances("ep").getFirst().id();
        h.configService.create(new Requests.CreateEndpointConfig("bigger", List.of(
                new Requests.ProductionVariantBody("AllTraffic", "ml.g5.2xlarge", 1, null, null)))).block();
        h.endpointService.update("ep", new Requests.UpdateEndpoint("bigger"), null).block();

        h.reconcile(); // launches the new instance; the old one keeps serving
        assertThat(h.fleet.terminated).isEmpty();
        assertThat(h.endpointService.get("ep").block().status()).isEqualTo(EndpointStatus.Updating);

        h.bootAll();
        h.beat();
        h.reconcile(); // the new instance serves: the copy is placed there, the old copy keeps serving meanwhile
        assertThat(h.fleet.terminated).isEmpty();
        assertThat(h.copiesOf("model")).extracting(Copy::status).contains(CopyStatus.InService);

        h.settle();
        assertThat(h.fleet.terminated).containsExactly(oldInstance);
        assertThat(h.liveInstances("ep")).singleElement().extracting(Instance::instanceType).isEqualTo("ml.g5.2xlarge");
        assertThat(h.copiesOf("model")).singleElement().satisfies(c -> {
            assertThat(c.instanceId()).isNotEqualTo(oldInstance);
            assertThat(c.status()).isEqualTo(CopyStatus.InService);
        });
        assertThat(h.endpointService.get("ep").block().status()).isEqualTo(EndpointStatus.InService);
    }

    @Test
    void deletingAnEndpointTerminatesItsInstancesAndRemovesEverything() {
        h.createEndpoint("ep", "ml.g5.xlarge", 2);
        h.createComponent("model", "ep", 1, 1, 1024, 2);
        h.settle();
        h.endpointService.delete("ep", null).block();
        h.settle();
        assertThat(h.endpoints.find("ep").block()).isNull();
        assertThat(h.components.find("model").block()).isNull();
        assertThat(h.fleet.running).isEmpty();
        assertThat(h.instances.findUnterminated().collectList().block()).isEmpty();
    }

    /**
     * Property: whatever components, copy counts and instance crashes come along, no instance ever holds copies
     * needing more than it has. Seeds are fixed so a failure replays; the message names the seed.
     */
    @Test
    void placementNeverOverCommitsAnInstance() {
        List<String> types = List.of("ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.12xlarge", "ml.m5.xlarge");
        for (long seed = 1; seed <= 12; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            String endpoint = "ep" + seed;
            InstanceType type = h.catalog.get(types.get(random.nextInt(types.size())));
            h.createEndpoint(endpoint, type.name(), 1 + random.nextInt(3));
            int components = 1 + random.nextInt(4);
            for (int c = 0; c < components; c++) {
                h.createComponent(endpoint + "-m" + c, endpoint, random.nextInt(type.accelerators() + 1),
                        0.25 * (1 + random.nextInt(type.vcpus() * 4)), 128 + random.nextLong(type.memoryMb() - 127),
                        random.nextInt(6));
            }
            for (int step = 0; step < 6; step++) {
                h.reconcile();
                h.bootAll();
                h.beat();
                assertNoOverCommit(seed);
                int roll = random.nextInt(10);
                if (roll < 2) {
                    List<Instance> live = h.liveInstances(endpoint);
                    if (!live.isEmpty()) h.crashed.add(live.get(random.nextInt(live.size())).id());
                    h.clock.advance(ReconcilerHarness.SETTINGS.heartbeatTimeout().plusSeconds(1));
                } else if (roll < 5) {
                    h.componentService.updateRuntimeConfig(endpoint + "-m" + random.nextInt(components),
                            new Requests.RuntimeConfigBody(random.nextInt(8)), null).block();
                }
            }
        }
    }

    private void assertNoOverCommit(long seed) {
        Map<String, List<Copy>> byInstance = h.copies.findAll().collectList().block().stream()
                .filter(Copy::holdsResources).collect(Collectors.groupingBy(Copy::instanceId));
        List<String> overCommitted = new ArrayList<>();
        for (var e : byInstance.entrySet()) {
            Instance i = h.instances.find(e.getKey()).block();
            Resources capacity = h.catalog.get(i.instanceType()).capacity();
            Resources held = e.getValue().stream().map(c -> new Resources(c.accelerators(), c.cpuMillis(), c.memoryMb()))
                    .reduce(Resources.NONE, Resources::plus);
            if (!capacity.covers(held)) overCommitted.add(i.id() + " holds " + held + " of " + capacity);
        }
        assertThat(overCommitted).as("over-committed instances with seed " + seed).isEmpty();
    }
}
