package dev.kindling.cache.endpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which cache volumes to delete: every volume of an endpoint that has no cache record any more (the endpoint was
 * deleted), a generation the ready one replaced once a grace period has passed since it became ready (agents
 * that read it finish their copies), and at once a generation that never became ready and is no longer the newest.
 * The ready generation and the newest are always kept.
 */
public final class VolumeSweep {

    private VolumeSweep() {}

    /** A volume the store holds (or the manager knows of): whose, which generation, where. */
    public record Volume(String endpointName, long generation, String location) {}

    /** What the sweep knows of an endpoint's record: its newest and its ready generation, and since when that is ready. */
    public record Record(long generation, Long readyGeneration, Instant readySince) {}

    /** A volume to delete, and why. */
    public record Deletion(Volume volume, String reason) {}

    /**
     * @param records cache records by endpoint name; an endpoint without one has been deleted
     * @param grace how long a replaced generation stays after its successor became ready
     */
    public static List<Deletion> sweep(List<Volume> volumes, Map<String, Record> records, Instant now, Duration grace) {
        List<Deletion> out = new ArrayList<>();
        for (Volume v : volumes) {
            Record r = records.get(v.endpointName());
            if (r == null) {
                out.add(new Deletion(v, "endpoint " + v.endpointName() + " has no cache any more (deleted)"));
                continue;
            }
            Long ready = r.readyGeneration();
            if ((ready != null && v.generation() == ready) || v.generation() >= r.generation()) continue;
            if (ready != null && v.generation() < ready) {
                Instant since = r.readySince() == null ? now : r.readySince();
                if (!now.isBefore(since.plus(grace))) {
                    out.add(new Deletion(v, "replaced by generation " + ready + ", ready since " + since));
                }
                continue;
            }
            out.add(new Deletion(v, "generation " + v.generation() + " never became ready and generation "
                    + r.generation() + " replaced it"));
        }
        return out;
    }
}
