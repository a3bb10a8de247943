package dev.kindling.api.fleet.ec2;

import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.fleet.ec2.Ec2FleetException.Code;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.VolumeType;

/**
 * The EC2 fleet: each Kindling instance is one EC2 instance launched from the configured launch template, tagged with
 * its Kindling id and endpoint, whose user data starts the agent with the instance's secret. A launch with the
 * endpoint's cache volume attaches its EBS snapshot as {@link UserDataScripts#CACHE_DEVICE}, mounted read-only at
 * {@link UserDataScripts#CACHE_MOUNT}. Launches spread over the configured subnets and move on to the next subnet
 * when one has no capacity.
 */
public final class Ec2Fleet implements FleetProvider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ec2Fleet.class);

    public static final String TAG_INSTANCE_ID = "kindling:instance-id";
    public static final String TAG_ENDPOINT = "kindling:endpoint";
    public static final String TAG_VARIANT = "kindling:variant";
    /** States of an instance that still runs or may run again; terminated ones need nothing. */
    private static final List<String> LIVE_STATES = List.of("pending", "running", "stopping", "stopped");
    /** Background attempts to terminate an instance EC2 would not terminate when asked. */
    private static final int TERMINATE_ATTEMPTS = 8;

    private final Ec2Calls calls;
    private final Ec2Settings settings;
    /** EC2 instance id per Kindling instance id, for instances launched since this control plane started. */
    private final Map<String, String> ec2Ids = new ConcurrentHashMap<>();
    private final AtomicInteger nextSubnet = new AtomicInteger();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("ec2-fleet-terminations").factory());

    public Ec2Fleet(Ec2Calls calls, Ec2Settings settings) {
        this.calls = calls;
        this.settings = settings;
    }

    /** The EC2 instance type of a SageMaker one: {@code ml.g6.2xlarge} runs on {@code g6.2xlarge}. */
    public static String ec2InstanceType(String sageMakerType) {
        return sageMakerType.startsWith("ml.") ? sageMakerType.substring(3) : sageMakerType;
    }

    /**
     * Launches the instance; if the endpoint's cache snapshot is gone or unusable, launches it without the cache: a
     * missing cache never blocks scaling (the agent then reports it missing, and it is rebuilt).
     */
    @Override
    public void launch(LaunchRequest request) {
        try {
            run(request);
        } catch (Ec2FleetException e) {
            if (request.cache() == null || e.errorCode() == null || !e.errorCode().startsWith("InvalidSnapshot")) {
                throw new LaunchException(e.getMessage());
            }
            log.atWarn().addKeyValue("instance", request.instanceId()).addKeyValue("endpoint", request.endpointName())
                    .addKeyValue("cacheSnapshot", request.cache().location())
                    .log("Launching without the endpoint's cache volume: {}", e.getMessage());
            try {
                run(new LaunchRequest(request.instanceId(), request.endpointName(), request.variantName(),
                        request.instanceType(), request.instanceSecret(), null));
            } catch (Ec2FleetException again) {
                throw new LaunchException(again.getMessage());
            }
        }
    }

    private void run(LaunchRequest request) {
        String userData;
        try {
            userData = UserDataScripts.base64(UserDataScripts.agent(new UserDataScripts.AgentBoot(request.instanceId(),
                    request.instanceType().name(), request.endpointName(), settings.controlPlaneUrl(),
                    request.instanceSecret(), settings.region(), settings.agentJarUrl(), request.cache() != null)));
        } catch (IllegalArgumentException e) {
            throw new LaunchException("cannot launch " + request.instanceId() + ": " + e.getMessage());
        }
        List<Tag> tags = List.of(tag(TAG_INSTANCE_ID, request.instanceId()), tag(TAG_ENDPOINT, request.endpointName()),
                tag(TAG_VARIANT, request.variantName()),
                tag("Name", "kindling-" + request.endpointName() + "-" + request.instanceId()));
        RunInstancesRequest.Builder run = RunInstancesRequest.builder()
                .minCount(1).maxCount(1)
                .launchTemplate(launchTemplate(settings))
                .instanceType(ec2InstanceType(request.instanceType().name()))
                .userData(userData)
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build(),
                        TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tags).build());
        if (!settings.securityGroupIds().isEmpty()) run.securityGroupIds(settings.securityGroupIds());
        if (request.cache() != null) {
            run.blockDeviceMappings(BlockDeviceMapping.builder().deviceName(UserDataScripts.CACHE_DEVICE)
                    .ebs(e -> e.snapshotId(request.cache().location()).volumeType(VolumeType.GP3).deleteOnTermination(true))
                    .build());
        }
        String doing = "launching " + ec2InstanceType(request.instanceType().name()) + " for instance "
                + request.instanceId() + " of endpoint " + request.endpointName();
        List<String> subnets = subnetOrder();
        List<String> full = new ArrayList<>();
        for (int i = 0; i < subnets.size(); i++) {
            String subnet = subnets.get(i);
            if (subnet != null) run.subnetId(subnet);
            // The token makes a retried RunInstances (after a timeout the launch may have survived) launch once.
            run.clientToken(request.instanceId() + (request.cache() == null ? "-" : "-cache-") + i);
            RunInstancesRequest r = run.build();
            try {
                String ec2Id = calls.run(new Ec2Call<>(doing + (subnet == null ? "" : " in " + subnet),
                        ec2 -> ec2.runInstances(r).instances().getFirst().instanceId()));
                ec2Ids.put(request.instanceId(), ec2Id);
                log.atInfo().addKeyValue("instance", request.instanceId()).addKeyValue("ec2Instance", ec2Id)
                        .addKeyValue("endpoint", request.endpointName()).addKeyValue("subnet", subnet)
                        .addKeyValue("cacheSnapshot", request.cache() == null ? null : request.cache().location())
                        .log("EC2 instance launched");
                return;
            } catch (Ec2FleetException e) {
                if (e.code() != Code.CAPACITY) throw e;
                full.add(e.getMessage());
            }
        }
        throw new LaunchException("InsufficientCapacity: " + String.join("; ", full));
    }

    /** The subnets to try, starting one further each launch so instances spread over them. */
    private List<String> subnetOrder() {
        List<String> configured = settings.subnetIds();
        if (configured.isEmpty()) return Collections.singletonList(null);
        int start = Math.floorMod(nextSubnet.getAndIncrement(), configured.size());
        List<String> order = new ArrayList<>(configured.subList(start, configured.size()));
        order.addAll(configured.subList(0, start));
        return order;
    }

    /**
     * Terminates the instance's EC2 instance, found by its Kindling id (in memory, else by tag). If EC2 cannot be
     * reached, termination goes on in the background: the caller has already given the instance up.
     */
    @Override
    public void terminate(String instanceId) {
        try {
            terminateNow(instanceId);
        } catch (Ec2FleetException e) {
            log.atWarn().addKeyValue("instance", instanceId).log("Could not terminate, retrying in the background: {}",
                    e.getMessage());
            retryTermination(instanceId, 1);
        }
    }

    private void terminateNow(String instanceId) {
        List<String> ids = new ArrayList<>();
        String known = ec2Ids.get(instanceId);
        if (known != null) ids.add(known);
        else ids.addAll(findByTag(instanceId));
        if (ids.isEmpty()) {
            log.atInfo().addKeyValue("instance", instanceId).log("No EC2 instance to terminate");
            return;
        }
        try {
            calls.run(new Ec2Call<>("terminating EC2 instance " + String.join(", ", ids) + " of " + instanceId,
                    ec2 -> ec2.terminateInstances(t -> t.instanceIds(ids))));
        } catch (Ec2FleetException e) {
            if (e.code() != Code.NOT_FOUND) throw e;
        }
        ec2Ids.remove(instanceId);
        log.atInfo().addKeyValue("instance", instanceId).addKeyValue("ec2Instance", String.join(",", ids))
                .log("EC2 instance terminated");
    }

    private void retryTermination(String instanceId, int attempt) {
        long delayMillis = Math.min(settings.pollInterval().toMillis() << Math.min(attempt, 10), Duration.ofMinutes(5).toMillis());
        retries.schedule(() -> {
            try {
                terminateNow(instanceId);
            } catch (Ec2FleetException e) {
                if (attempt + 1 >= TERMINATE_ATTEMPTS) {
                    log.atError().addKeyValue("instance", instanceId).log("Gave up terminating after {} attempts, "
                            + "terminate the EC2 instance tagged {}={} by hand: {}", attempt + 1, TAG_INSTANCE_ID,
                            instanceId, e.getMessage());
                } else {
                    retryTermination(instanceId, attempt + 1);
                }
            } catch (RuntimeException e) {
                log.atError().addKeyValue("instance", instanceId).setCause(e).log("Could not terminate");
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** The live EC2 instances tagged with the Kindling id (one, unless someone launched more by hand). */
    private List<String> findByTag(String instanceId) {
        return calls.run(new Ec2Call<>("finding the EC2 instance of " + instanceId,
                ec2 -> ec2.describeInstances(d -> d.filters(
                                Filter.builder().name("tag:" + TAG_INSTANCE_ID).values(instanceId).build(),
                                Filter.builder().name("instance-state-name").values(LIVE_STATES).build()))
                        .reservations().stream().map(Reservation::instances).flatMap(List::stream)
                        .map(Instance::instanceId).toList()));
    }

    static LaunchTemplateSpecification launchTemplate(Ec2Settings settings) {
        Ec2Settings.LaunchTemplate t = settings.launchTemplate();
        LaunchTemplateSpecification.Builder b = LaunchTemplateSpecification.builder().version(t.version());
        return (t.id() != null ? b.launchTemplateId(t.id()) : b.launchTemplateName(t.name())).build();
    }

    static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
