package dev.kindling.api.fleet.ec2;

import dev.kindling.api.caches.CacheVolumes;
import dev.kindling.api.fleet.ec2.Ec2FleetException.Code;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.ShutdownBehavior;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Endpoint cache volumes as EBS snapshots. A build launches a builder instance (the fleet's launch template, a
 * network-heavy type) with an empty gp3 volume; its user data runs the agent's {@code build-cache} into the volume,
 * prints the volume's manifest on the console and stops the instance. The control plane then reads the manifest
 * from the console, snapshots the volume, and terminates the builder, whose volume goes with it. A builder that
 * fails, times out or vanishes is terminated and its volume deleted; nothing half-built is ever snapshotted.
 *
 * <p>Instances launched with a snapshot mount it at {@link #MOUNT_PATH}, which is what their cache grant names.
 */
public final class Ec2CacheVolumes implements CacheVolumes {

    private static final Logger log = LoggerFactory.getLogger(Ec2CacheVolumes.class);

    /** Where an instance finds the volume: the grant's image cache location ({@code models/} beneath: models). */
    public static final String MOUNT_PATH = UserDataScripts.CACHE_MOUNT;
    public static final String TAG_GENERATION = "kindling:generation";
    public static final String TAG_ROLE = "kindling:role";
    public static final String ROLE_BUILDER = "cache-builder";
    /** Polls to wait for a terminated builder's volume to go, before leaving it to DeleteOnTermination. */
    private static final int VOLUME_CLEANUP_POLLS = 60;

    private final Ec2Calls calls;
    private final Ec2Settings settings;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    public Ec2CacheVolumes(Ec2Calls calls, Ec2Settings settings, Clock clock) {
        this.calls = calls;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public BuiltVolume build(String endpointName, long generation, EndpointCachePlan plan) {
        String what = "building the cache volume of endpoint " + endpointName + " (generation " + generation + ")";
        String userData;
        try {
            Map<String, List<String>> planJson = new LinkedHashMap<>();
            planJson.put("images", plan.images());
            planJson.put("models", plan.models());
            userData = UserDataScripts.base64(UserDataScripts.cacheBuilder(endpointName, generation,
                    json.writeValueAsString(planJson), settings.region(), settings.agentJarUrl()));
        } catch (IllegalArgumentException e) {
            throw new CacheBuildException(what + ": " + e.getMessage(), e);
        }
        String builder;
        try {
            builder = launchBuilder(endpointName, generation, userData, what);
        } catch (Ec2FleetException e) {
            throw new CacheBuildException(what + ": could not launch a builder: " + e.getMessage(), e);
        }
        log.atInfo().addKeyValue("endpoint", endpointName).addKeyValue("generation", generation)
                .addKeyValue("ec2Instance", builder).log("Cache builder launched");
        String volume = null;
        String snapshot = null;
        boolean built = false;
        try {
            awaitStopped(builder, what);
            String content = switch (awaitReport(builder, what)) {
                case BuilderConsole.Failed f -> throw new CacheBuildException(what + ": the builder " + builder
                        + " failed: " + f.reason(), null);
                case BuilderConsole.Built b -> b.contentJson();
            };
            long[] bytes = checkContent(content, endpointName, generation, plan, what);
            volume = dataVolumes(builder).stream().findFirst().orElseThrow(() -> new CacheBuildException(what
                    + ": the builder " + builder + " has no volume at " + UserDataScripts.CACHE_DEVICE, null));
            snapshot = createSnapshot(volume, endpointName, generation);
            awaitSnapshot(snapshot, what);
            built = true;
            log.atInfo().addKeyValue("endpoint", endpointName).addKeyValue("generation", generation)
                    .addKeyValue("snapshot", snapshot).addKeyValue("imageBytes", bytes[0])
                    .addKeyValue("modelBytes", bytes[1]).log("Cache volume built");
            return new BuiltVolume(snapshot, bytes[0], bytes[1], content);
        } catch (Ec2FleetException e) {
            throw new CacheBuildException(what + ": " + e.getMessage(), e);
        } finally {
            if (!built && snapshot != null) deleteQuietly(snapshot);
            cleanUp(builder, volume);
        }
    }

    /** A snapshot's volume is attached at launch and mounted by the instance's user data at {@link #MOUNT_PATH}. */
    @Override
    public String mountedAt(String location) {
        return MOUNT_PATH;
    }

    @Override
    public void delete(String location) {
        if (location == null || !location.startsWith("snap-")) {
            log.atWarn().addKeyValue("location", location).log("Not an EBS snapshot, so not one this store built; left alone");
            return;
        }
        try {
            calls.run(new Ec2Call<>("deleting cache snapshot " + location, ec2 -> ec2.deleteSnapshot(d -> d.snapshotId(location))));
            log.atInfo().addKeyValue("snapshot", location).log("Cache volume deleted");
        } catch (Ec2FleetException e) {
            if (e.code() != Code.NOT_FOUND) throw e;
        }
    }

    private String launchBuilder(String endpointName, long generation, String userData, String what) {
        List<Tag> tags = List.of(Ec2Fleet.tag(Ec2Fleet.TAG_ENDPOINT, endpointName),
                Ec2Fleet.tag(TAG_GENERATION, Long.toString(generation)), Ec2Fleet.tag(TAG_ROLE, ROLE_BUILDER),
                Ec2Fleet.tag("Name", "kindling-cache-builder-" + endpointName + "-" + generation));
        RunInstancesRequest.Builder run = RunInstancesRequest.builder()
                .minCount(1).maxCount(1)
                .launchTemplate(Ec2Fleet.launchTemplate(settings))
                .instanceType(settings.builderInstanceType())
                // The script ends with shutdown: the instance must stop, not terminate, so its volume can be snapshotted.
                .instanceInitiatedShutdownBehavior(ShutdownBehavior.STOP)
                .userData(userData)
                .blockDeviceMappings(BlockDeviceMapping.builder().deviceName(UserDataScripts.CACHE_DEVICE)
                        .ebs(e -> e.volumeSize(settings.cacheVolumeSizeGib()).volumeType(VolumeType.GP3)
                                .deleteOnTermination(true))
                        .build())
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build(),
                        TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tags).build());
        if (!settings.securityGroupIds().isEmpty()) run.securityGroupIds(settings.securityGroupIds());
        List<String> subnets = settings.subnetIds().isEmpty() ? Collections.singletonList(null) : settings.subnetIds();
        String token = "kcb-" + UUID.randomUUID();
        Ec2FleetException last = null;
        for (int i = 0; i < subnets.size(); i++) {
            String subnet = subnets.get(i);
            if (subnet != null) run.subnetId(subnet);
            run.clientToken(token + "-" + i);
            RunInstancesRequest r = run.build();
            try {
                return calls.run(new Ec2Call<>("launching a cache builder" + (subnet == null ? "" : " in " + subnet),
                        ec2 -> ec2.runInstances(r).instances().getFirst().instanceId()));
            } catch (Ec2FleetException e) {
                if (e.code() != Code.CAPACITY) throw e;
                last = e;
            }
        }
        throw last;
    }

    /** Waits for the builder to stop itself; terminated or out of time is a failed build. */
    private void awaitStopped(String builder, String what) {
        Instant deadline = clock.instant().plus(settings.builderTimeout());
        while (true) {
            Optional<Instance> i = describe(builder);
            String state = i.map(x -> x.state().nameAsString()).orElse("pending");
            switch (state) {
                case "stopped" -> {
                    return;
                }
                case "shutting-down", "terminated" -> throw new CacheBuildException(what + ": the builder " + builder
                        + " was terminated before it finished", null);
                default -> { }
            }
            if (clock.instant().isAfter(deadline)) {
                throw new CacheBuildException(what + ": the builder " + builder + " did not finish within "
                        + settings.builderTimeout() + " (it was " + state + "); terminated it", null);
            }
            pause(what);
        }
    }

    private Optional<Instance> describe(String instance) {
        try {
            return calls.run(new Ec2Call<>("describing cache builder " + instance,
                    ec2 -> ec2.describeInstances(d -> d.instanceIds(instance)).reservations().stream()
                            .flatMap(r -> r.instances().stream()).findFirst()));
        } catch (Ec2FleetException e) {
            if (e.code() == Code.NOT_FOUND) return Optional.empty(); // not visible yet: EC2 is eventually consistent
            throw e;
        }
    }

    /** Reads the stopped builder's console until its report shows. */
    private BuilderConsole.Outcome awaitReport(String builder, String what) {
        Instant deadline = clock.instant().plus(settings.consoleTimeout());
        while (true) {
            String output = calls.run(new Ec2Call<>("reading the console of cache builder " + builder,
                    ec2 -> ec2.getConsoleOutput(g -> g.instanceId(builder)).output()));
            if (output != null) {
                String text = new String(Base64.getMimeDecoder().decode(output), StandardCharsets.UTF_8);
                Optional<BuilderConsole.Outcome> outcome = BuilderConsole.read(text);
                if (outcome.isPresent()) return outcome.get();
            }
            if (clock.instant().isAfter(deadline)) {
                throw new CacheBuildException(what + ": the builder " + builder + " stopped but its console showed no "
                        + "result within " + settings.consoleTimeout(), null);
            }
            pause(what);
        }
    }

    /**
     * Checks the builder's manifest is of this endpoint and generation and holds every image and model of the plan;
     * returns its image and model bytes.
     */
    private long[] checkContent(String content, String endpointName, long generation, EndpointCachePlan plan, String what) {
        JsonNode root;
        try {
            root = json.readTree(content);
        } catch (JacksonException e) {
            throw new CacheBuildException(what + ": the builder's kindling-cache.json is not JSON: " + e.getOriginalMessage(), e);
        }
        if (!endpointName.equals(root.path("endpointName").asString(null)) || root.path("generation").asLong(-1) != generation) {
            throw new CacheBuildException(what + ": the builder reported the cache of endpoint "
                    + root.path("endpointName").asString(null) + " generation " + root.path("generation").asString(null), null);
        }
        long[] bytes = new long[2];
        Set<String> images = new HashSet<>();
        for (JsonNode i : root.path("images")) {
            images.add(i.path("source").asString(""));
            bytes[0] += i.path("bytes").asLong(0);
        }
        Set<String> models = new HashSet<>();
        for (JsonNode m : root.path("models")) {
            models.add(m.path("source").asString(""));
            bytes[1] += m.path("bytes").asLong(0);
        }
        List<String> missing = new ArrayList<>();
        plan.images().stream().filter(i -> !images.contains(i)).map(i -> "image " + i).forEach(missing::add);
        plan.models().stream().filter(m -> !models.contains(m)).map(m -> "model " + m).forEach(missing::add);
        if (!missing.isEmpty()) {
            throw new CacheBuildException(what + ": the builder's volume lacks " + String.join(", ", missing), null);
        }
        return bytes;
    }

    /** The builder's cache volume (none once it is gone). */
    private List<String> dataVolumes(String builder) {
        return calls.run(new Ec2Call<>("finding the cache volume of builder " + builder,
                ec2 -> ec2.describeVolumes(d -> d.filters(
                        Filter.builder().name("attachment.instance-id").values(builder).build(),
                        Filter.builder().name("attachment.device").values(UserDataScripts.CACHE_DEVICE).build()))
                        .volumes().stream().map(Volume::volumeId).toList()));
    }

    private String createSnapshot(String volume, String endpointName, long generation) {
        List<Tag> tags = List.of(Ec2Fleet.tag(Ec2Fleet.TAG_ENDPOINT, endpointName),
                Ec2Fleet.tag(TAG_GENERATION, Long.toString(generation)),
                Ec2Fleet.tag("Name", "kindling-cache-" + endpointName + "-" + generation));
        return calls.run(new Ec2Call<>("snapshotting cache volume " + volume,
                ec2 -> ec2.createSnapshot(c -> c.volumeId(volume)
                        .description("Kindling cache of endpoint " + endpointName + ", generation " + generation)
                        .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(tags).build()))
                        .snapshotId()));
    }

    private void awaitSnapshot(String snapshot, String what) {
        Instant deadline = clock.instant().plus(settings.snapshotTimeout());
        while (true) {
            Optional<Snapshot> s;
            try {
                s = calls.run(new Ec2Call<>("describing cache snapshot " + snapshot,
                        ec2 -> ec2.describeSnapshots(d -> d.snapshotIds(snapshot)).snapshots().stream().findFirst()));
            } catch (Ec2FleetException e) {
                if (e.code() != Code.NOT_FOUND) throw e;
                s = Optional.empty();
            }
            String state = s.map(Snapshot::stateAsString).orElse("pending");
            if ("completed".equals(state)) return;
            if ("error".equals(state)) {
                throw new CacheBuildException(what + ": snapshot " + snapshot + " failed"
                        + s.map(Snapshot::stateMessage).map(m -> ": " + m).orElse(""), null);
            }
            if (clock.instant().isAfter(deadline)) {
                throw new CacheBuildException(what + ": snapshot " + snapshot + " was not complete within "
                        + settings.snapshotTimeout() + " (" + s.map(Snapshot::progress).orElse("no progress") + ")", null);
            }
            pause(what);
        }
    }

    /** Terminates the builder and makes sure its volume goes too; failures here are logged, never thrown. */
    private void cleanUp(String builder, String knownVolume) {
        List<String> volumes = new ArrayList<>();
        if (knownVolume != null) volumes.add(knownVolume);
        else {
            try {
                volumes.addAll(dataVolumes(builder));
            } catch (Ec2FleetException e) {
                log.atWarn().addKeyValue("ec2Instance", builder).log("Could not find the builder's volume: {}", e.getMessage());
            }
        }
        try {
            calls.run(new Ec2Call<>("terminating cache builder " + builder,
                    ec2 -> ec2.terminateInstances(t -> t.instanceIds(builder))));
        } catch (Ec2FleetException e) {
            if (e.code() != Code.NOT_FOUND) {
                log.atError().addKeyValue("ec2Instance", builder).log("Could not terminate the cache builder, terminate "
                        + "it by hand: {}", e.getMessage());
                return;
            }
        }
        for (String v : volumes) deleteVolume(v);
    }

    /**
     * Deletes a terminated builder's volume: gone already (DeleteOnTermination) is the usual case; one left
     * available is deleted; one still attached is waited for a while, then left to DeleteOnTermination.
     */
    private void deleteVolume(String volume) {
        for (int poll = 0; poll < VOLUME_CLEANUP_POLLS; poll++) {
            try {
                Optional<Volume> v = calls.run(new Ec2Call<>("describing builder volume " + volume,
                        ec2 -> ec2.describeVolumes(d -> d.volumeIds(volume)).volumes().stream().findFirst()));
                String state = v.map(Volume::stateAsString).orElse("deleted");
                switch (state) {
                    case "deleting", "deleted" -> {
                        return;
                    }
                    case "available", "error" -> {
                        calls.run(new Ec2Call<>("deleting builder volume " + volume,
                                ec2 -> ec2.deleteVolume(d -> d.volumeId(volume))));
                        log.atInfo().addKeyValue("volume", volume).log("Builder volume deleted");
                        return;
                    }
                    default -> { }
                }
                Thread.sleep(settings.pollInterval());
            } catch (Ec2FleetException e) {
                if (e.code() == Code.NOT_FOUND) return;
                log.atWarn().addKeyValue("volume", volume).log("Could not delete the builder's volume: {}", e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        log.atWarn().addKeyValue("volume", volume).log("The builder's volume is still attached; DeleteOnTermination "
                + "deletes it with the builder");
    }

    private void deleteQuietly(String snapshot) {
        try {
            delete(snapshot);
        } catch (Ec2FleetException e) {
            log.atWarn().addKeyValue("snapshot", snapshot).log("Could not delete an unfinished cache snapshot: {}",
                    e.getMessage());
        }
    }

    private void pause(String what) {
        try {
            Thread.sleep(settings.pollInterval());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheBuildException(what + ": interrupted", e);
        }
    }
}
