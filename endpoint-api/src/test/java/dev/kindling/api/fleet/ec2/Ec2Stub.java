package dev.kindling.api.fleet.ec2;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An EC2 endpoint for tests: the Query protocol (form-encoded POST with {@code Action=...}, XML answers in the
 * 2016-11-15 namespace) for the calls the EC2 fleet makes, over a small state machine driven by the polls it sees,
 * not by time, so tests are deterministic. Instances go pending, then running on the next describe; a cache builder
 * (launched with shutdown behaviour stop) stops itself after {@link #builderStopsAfterPolls} describes and then shows
 * {@link #builderConsole} as its console output; a snapshot completes (or fails) after
 * {@link #snapshotCompletesAfterPolls} describes. Terminating an instance deletes its DeleteOnTermination volumes at
 * once (or leaves them available, with {@link #volumesOutliveTermination}). Every request is recorded, and faults
 * can be queued per action.
 */
final class Ec2Stub implements AutoCloseable {

    static final String NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /** One request: its action and every form parameter, as sent. */
    record Call(String action, Map<String, String> params) {
        String get(String name) {
            return params.get(name);
        }

        /** The values of a list parameter: {@code SecurityGroupId} gives SecurityGroupId.1, .2, ... */
        List<String> list(String prefix) {
            List<String> out = new ArrayList<>();
            for (int i = 1; params.containsKey(prefix + "." + i); i++) out.add(params.get(prefix + "." + i));
            return out;
        }

        /** Tags of the tag specification for one resource type. */
        Map<String, String> tags(String resourceType) {
            Map<String, String> tags = new LinkedHashMap<>();
            for (int s = 1; params.containsKey("TagSpecification." + s + ".ResourceType"); s++) {
                if (!resourceType.equals(params.get("TagSpecification." + s + ".ResourceType"))) continue;
                String p = "TagSpecification." + s + ".Tag.";
                for (int t = 1; params.containsKey(p + t + ".Key"); t++) tags.put(params.get(p + t + ".Key"), params.get(p + t + ".Value"));
            }
            return tags;
        }

        /** The user data as the instance would run it. */
        String userData() {
            return new String(Base64.getDecoder().decode(params.get("UserData")), StandardCharsets.UTF_8);
        }
    }

    private record Fault(int status, String code) {}

    static final class Inst {
        final String id;
        final String type;
        final String subnet;
        final boolean builder;
        final Map<String, String> tags;
        String state = "pending";
        int polls;

        Inst(String id, String type, String subnet, boolean builder, Map<String, String> tags) {
            this.id = id;
            this.type = type;
            this.subnet = subnet;
            this.builder = builder;
            this.tags = tags;
        }
    }

    static final class Vol {
        final String id;
        final int size;
        final String snapshotId;
        final Map<String, String> tags;
        String state = "in-use";
        String instanceId;
        String device;
        boolean deleteOnTermination;

        Vol(String id, int size, String snapshotId, Map<String, String> tags) {
            this.id = id;
            this.size = size;
            this.snapshotId = snapshotId;
            this.tags = tags;
        }
    }

    static final class Snap {
        final String id;
        final String volumeId;
        final Map<String, String> tags;
        String state = "pending";
        int polls;

        Snap(String id, String volumeId, Map<String, String> tags) {
            this.id = id;
            this.volumeId = volumeId;
            this.tags = tags;
        }
    }

    private final HttpServer server;
    private final AtomicInteger ids = new AtomicInteger(0x1000);
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final Map<String, Inst> instances = new LinkedHashMap<>();
    final Map<String, Vol> volumes = new LinkedHashMap<>();
    final Map<String, Snap> snapshots = new LinkedHashMap<>();
    /** RunInstances idempotency: the instance each client token launched. */
    private final Map<String, String> byClientToken = new LinkedHashMap<>();
    private final Map<String, Deque<Fault>> faults = new LinkedHashMap<>();
    private final Set<String> subnetsWithoutCapacity = new HashSet<>();

    /** Describes of a running builder before it stops itself; negative: it never does. */
    volatile int builderStopsAfterPolls = 2;
    /** What a stopped builder's console shows (null: nothing). */
    volatile String builderConsole;
    volatile int snapshotCompletesAfterPolls = 2;
    /** Snapshots end in state error instead of completed. */
    volatile boolean snapshotsFail;
    /** Terminating an instance detaches its volumes instead of deleting them. */
    volatile boolean volumesOutliveTermination;

    Ec2Stub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The next {@code times} requests of the action fail with this status and EC2 error code. */
    synchronized void failNext(String action, int times, int status, String code) {
        Deque<Fault> q = faults.computeIfAbsent(action, a -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) q.add(new Fault(status, code));
    }

    synchronized void noCapacityIn(String subnet) {
        subnetsWithoutCapacity.add(subnet);
    }

    /** A completed snapshot, as a finished cache build leaves. */
    synchronized String existingSnapshot() {
        Snap s = new Snap("snap-" + hex(), "vol-gone", Map.of());
        s.state = "completed";
        snapshots.put(s.id, s);
        return s.id;
    }

    List<Call> calls(String action) {
        return calls.stream().filter(c -> c.action().equals(action)).toList();
    }

    synchronized Inst instance(String id) {
        return instances.get(id);
    }

    synchronized List<Inst> instances(Predicate<Inst> which) {
        return instances.values().stream().filter(which).toList();
    }

    synchronized Collection<Vol> volumes() {
        return List.copyOf(volumes.values());
    }

    synchronized Collection<Snap> snapshots() {
        return List.copyOf(snapshots.values());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> params = new TreeMap<>();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            for (String pair : body.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            String action = params.getOrDefault("Action", "");
            calls.add(new Call(action, Map.copyOf(params)));
            int status = 200;
            String xml;
            synchronized (this) {
                Deque<Fault> q = faults.get(action);
                Fault f = q == null ? null : q.poll();
                if (f != null) {
                    status = f.status();
                    xml = error(f.code(), "injected fault");
                } else {
                    try {
                        xml = answer(action, new Call(action, params));
                    } catch (Ec2Error e) {
                        status = e.status;
                        xml = error(e.code, e.getMessage());
                    }
                }
            }
            byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static final class Ec2Error extends RuntimeException {
        final int status;
        final String code;

        Ec2Error(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private String answer(String action, Call c) {
        return switch (action) {
            case "RunInstances" -> runInstances(c);
            case "DescribeInstances" -> describeInstances(c);
            case "TerminateInstances" -> terminateInstances(c);
            case "GetConsoleOutput" -> consoleOutput(c);
            case "DescribeVolumes" -> describeVolumes(c);
            case "DeleteVolume" -> deleteVolume(c);
            case "CreateSnapshot" -> createSnapshot(c);
            case "DescribeSnapshots" -> describeSnapshots(c);
            case "DeleteSnapshot" -> deleteSnapshot(c);
            default -> throw new Ec2Error(400, "InvalidAction", "The action " + action + " is not valid for this web service.");
        };
    }

    private String runInstances(Call c) {
        String token = c.get("ClientToken");
        if (token != null && byClientToken.containsKey(token)) {
            return response("RunInstances", "<reservationId>r-stub</reservationId><ownerId>123456789012</ownerId>"
                    + "<instancesSet>" + instanceXml(instances.get(byClientToken.get(token))) + "</instancesSet>");
        }
        String subnet = c.get("SubnetId");
        if (subnet != null && subnetsWithoutCapacity.contains(subnet)) {
            throw new Ec2Error(500, "InsufficientInstanceCapacity", "We currently do not have sufficient "
                    + c.get("InstanceType") + " capacity in the Availability Zone of " + subnet + ".");
        }
        for (int b = 1; c.params().containsKey("BlockDeviceMapping." + b + ".DeviceName"); b++) {
            String snapshot = c.get("BlockDeviceMapping." + b + ".Ebs.SnapshotId");
            if (snapshot != null && !snapshots.containsKey(snapshot)) {
                throw new Ec2Error(400, "InvalidSnapshot.NotFound", "The snapshot '" + snapshot + "' does not exist.");
            }
        }
        boolean builder = "stop".equals(c.get("InstanceInitiatedShutdownBehavior"));
        Inst i = new Inst("i-" + hex(), c.get("InstanceType"), subnet, builder, c.tags("instance"));
        instances.put(i.id, i);
        if (token != null) byClientToken.put(token, i.id);
        for (int b = 1; c.params().containsKey("BlockDeviceMapping." + b + ".DeviceName"); b++) {
            String p = "BlockDeviceMapping." + b + ".Ebs.";
            String snapshot = c.get(p + "SnapshotId");
            int size = c.get(p + "VolumeSize") != null ? Integer.parseInt(c.get(p + "VolumeSize")) : 8;
            Vol v = new Vol("vol-" + hex(), size, snapshot, c.tags("volume"));
            v.instanceId = i.id;
            v.device = c.get("BlockDeviceMapping." + b + ".DeviceName");
            v.deleteOnTermination = "true".equals(c.get(p + "DeleteOnTermination"));
            volumes.put(v.id, v);
        }
        return response("RunInstances", "<reservationId>r-" + hex() + "</reservationId><ownerId>123456789012</ownerId>"
                + "<instancesSet>" + instanceXml(i) + "</instancesSet>");
    }

    private String describeInstances(Call c) {
        List<String> wanted = c.list("InstanceId");
        for (String id : wanted) {
            if (!instances.containsKey(id)) {
                throw new Ec2Error(400, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
            }
        }
        Map<String, List<String>> filters = filters(c);
        StringBuilder items = new StringBuilder();
        for (Inst i : instances.values()) {
            if (!wanted.isEmpty() && !wanted.contains(i.id)) continue;
            advance(i);
            if (!matches(filters, f -> switch (f) {
                case "instance-state-name" -> i.state;
                default -> f.startsWith("tag:") ? i.tags.get(f.substring(4)) : null;
            })) continue;
            items.append("<item><reservationId>r-stub</reservationId><ownerId>123456789012</ownerId><instancesSet>")
                    .append(instanceXml(i)).append("</instancesSet></item>");
        }
        return response("DescribeInstances", "<reservationSet>" + items + "</reservationSet>");
    }

    /** Moves an instance along on each describe: pending, running, and for a builder stopping and stopped. */
    private void advance(Inst i) {
        i.polls++;
        switch (i.state) {
            case "pending" -> i.state = "running";
            case "running" -> {
                if (i.builder && builderStopsAfterPolls >= 0 && i.polls > builderStopsAfterPolls) i.state = "stopping";
            }
            case "stopping" -> i.state = "stopped";
            default -> { }
        }
    }

    private String terminateInstances(Call c) {
        StringBuilder items = new StringBuilder();
        for (String id : c.list("InstanceId")) {
            Inst i = instances.get(id);
            if (i == null) throw new Ec2Error(400, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
            String previous = i.state;
            i.state = "terminated";
            for (Vol v : List.copyOf(volumes.values())) {
                if (!id.equals(v.instanceId)) continue;
                if (v.deleteOnTermination && !volumesOutliveTermination) {
                    volumes.remove(v.id);
                } else {
                    v.state = "available";
                    v.instanceId = null;
                    v.device = null;
                }
            }
            items.append("<item><instanceId>").append(id).append("</instanceId>")
                    .append("<currentState><code>32</code><name>shutting-down</name></currentState>")
                    .append("<previousState><code>").append(stateCode(previous)).append("</code><name>").append(previous)
                    .append("</name></previousState></item>");
        }
        return response("TerminateInstances", "<instancesSet>" + items + "</instancesSet>");
    }

    private String consoleOutput(Call c) {
        Inst i = instances.get(c.get("InstanceId"));
        if (i == null) throw new Ec2Error(400, "InvalidInstanceID.NotFound", "The instance ID does not exist");
        String text = i.builder && "stopped".equals(i.state) ? builderConsole : null;
        return response("GetConsoleOutput", "<instanceId>" + i.id + "</instanceId><timestamp>2026-01-01T00:00:00.000Z"
                + "</timestamp>" + (text == null ? "" : "<output>"
                + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "</output>"));
    }

    private String describeVolumes(Call c) {
        List<String> wanted = c.list("VolumeId");
        for (String id : wanted) {
            if (!volumes.containsKey(id)) throw new Ec2Error(400, "InvalidVolume.NotFound", "The volume '" + id + "' does not exist.");
        }
        Map<String, List<String>> filters = filters(c);
        StringBuilder items = new StringBuilder();
        for (Vol v : volumes.values()) {
            if (!wanted.isEmpty() && !wanted.contains(v.id)) continue;
            if (!matches(filters, f -> switch (f) {
                case "attachment.instance-id" -> v.instanceId;
                case "attachment.device" -> v.device;
                case "status" -> v.state;
                default -> f.startsWith("tag:") ? v.tags.get(f.substring(4)) : null;
            })) continue;
            items.append("<item><volumeId>").append(v.id).append("</volumeId><size>").append(v.size).append("</size>")
                    .append(v.snapshotId == null ? "<snapshotId/>" : "<snapshotId>" + v.snapshotId + "</snapshotId>")
                    .append("<availabilityZone>us-east-1a</availabilityZone><status>").append(v.state).append("</status>")
                    .append("<createTime>2026-01-01T00:00:00.000Z</createTime><volumeType>gp3</volumeType><attachmentSet>");
            if (v.instanceId != null) {
                items.append("<item><volumeId>").append(v.id).append("</volumeId><instanceId>").append(v.instanceId)
                        .append("</instanceId><device>").append(v.device).append("</device><status>attached</status>")
                        .append("<deleteOnTermination>").append(v.deleteOnTermination).append("</deleteOnTermination></item>");
            }
            items.append("</attachmentSet>").append(tagSet(v.tags)).append("</item>");
        }
        return response("DescribeVolumes", "<volumeSet>" + items + "</volumeSet>");
    }

    private String deleteVolume(Call c) {
        Vol v = volumes.get(c.get("VolumeId"));
        if (v == null) throw new Ec2Error(400, "InvalidVolume.NotFound", "The volume does not exist.");
        if (v.instanceId != null) throw new Ec2Error(400, "VolumeInUse", "Volume " + v.id + " is currently attached");
        volumes.remove(v.id);
        return response("DeleteVolume", "<return>true</return>");
    }

    private String createSnapshot(Call c) {
        Vol v = volumes.get(c.get("VolumeId"));
        if (v == null) throw new Ec2Error(400, "InvalidVolume.NotFound", "The volume does not exist.");
        Snap s = new Snap("snap-" + hex(), v.id, c.tags("snapshot"));
        snapshots.put(s.id, s);
        return response("CreateSnapshot", "<snapshotId>" + s.id + "</snapshotId><volumeId>" + v.id + "</volumeId>"
                + "<status>pending</status><startTime>2026-01-01T00:00:00.000Z</startTime><progress></progress>"
                + "<ownerId>123456789012</ownerId><volumeSize>" + v.size + "</volumeSize><description>"
                + xml(c.get("Description")) + "</description>" + tagSet(s.tags));
    }

    private String describeSnapshots(Call c) {
        List<String> wanted = c.list("SnapshotId");
        for (String id : wanted) {
            if (!snapshots.containsKey(id)) throw new Ec2Error(400, "InvalidSnapshot.NotFound", "The snapshot '" + id + "' does not exist.");
        }
        StringBuilder items = new StringBuilder();
        for (Snap s : snapshots.values()) {
            if (!wanted.isEmpty() && !wanted.contains(s.id)) continue;
            if (s.state.equals("pending") && ++s.polls >= snapshotCompletesAfterPolls) {
                s.state = snapshotsFail ? "error" : "completed";
            }
            items.append("<item><snapshotId>").append(s.id).append("</snapshotId><volumeId>").append(s.volumeId)
                    .append("</volumeId><status>").append(s.state).append("</status>")
                    .append(s.state.equals("error") ? "<statusMessage>Snapshot copy failed: internal error</statusMessage>" : "")
                    .append("<progress>").append(s.state.equals("pending") ? "42%" : "100%").append("</progress>")
                    .append(tagSet(s.tags)).append("</item>");
        }
        return response("DescribeSnapshots", "<snapshotSet>" + items + "</snapshotSet>");
    }

    private String deleteSnapshot(Call c) {
        if (snapshots.remove(c.get("SnapshotId")) == null) {
            throw new Ec2Error(400, "InvalidSnapshot.NotFound", "The snapshot '" + c.get("SnapshotId") + "' does not exist.");
        }
        return response("DeleteSnapshot", "<return>true</return>");
    }

    private static Map<String, List<String>> filters(Call c) {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (int f = 1; c.params().containsKey("Filter." + f + ".Name"); f++) {
            filters.put(c.get("Filter." + f + ".Name"), c.list("Filter." + f + ".Value"));
        }
        return filters;
    }

    private interface Field {
        String of(String filterName);
    }

    private static boolean matches(Map<String, List<String>> filters, Field field) {
        for (Map.Entry<String, List<String>> f : filters.entrySet()) {
            String value = field.of(f.getKey());
            if (value == null || !f.getValue().contains(value)) return false;
        }
        return true;
    }

    private String instanceXml(Inst i) {
        StringBuilder devices = new StringBuilder();
        for (Vol v : volumes.values()) {
            if (!i.id.equals(v.instanceId)) continue;
            devices.append("<item><deviceName>").append(v.device).append("</deviceName><ebs><volumeId>").append(v.id)
                    .append("</volumeId><status>attached</status><deleteOnTermination>").append(v.deleteOnTermination)
                    .append("</deleteOnTermination></ebs></item>");
        }
        return "<item><instanceId>" + i.id + "</instanceId><imageId>ami-0stub</imageId><instanceState><code>"
                + stateCode(i.state) + "</code><name>" + i.state + "</name></instanceState><instanceType>" + i.type
                + "</instanceType>" + (i.subnet == null ? "" : "<subnetId>" + i.subnet + "</subnetId>")
                + "<blockDeviceMapping>" + devices + "</blockDeviceMapping>" + tagSet(i.tags) + "</item>";
    }

    private static int stateCode(String state) {
        return switch (state) {
            case "pending" -> 0;
            case "running" -> 16;
            case "shutting-down" -> 32;
            case "terminated" -> 48;
            case "stopping" -> 64;
            default -> 80;
        };
    }

    private static String tagSet(Map<String, String> tags) {
        StringBuilder s = new StringBuilder("<tagSet>");
        tags.forEach((k, v) -> s.append("<item><key>").append(xml(k)).append("</key><value>").append(xml(v))
                .append("</value></item>"));
        return s.append("</tagSet>").toString();
    }

    private static String response(String action, String inner) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" + NAMESPACE
                + "\"><requestId>" + java.util.UUID.randomUUID() + "</requestId>" + inner + "</" + action + "Response>";
    }

    private static String error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>"
                + xml(message) + "</Message></Error></Errors><RequestID>" + java.util.UUID.randomUUID()
                + "</RequestID></Response>";
    }

    private static String xml(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private String hex() {
        return String.format("%017x", ids.incrementAndGet());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
