package dev.kindling.agent.runtime;

import dev.kindling.agent.io.Progress;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.BlobSource;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.protocol.CopyStartup.Phase;
import dev.kindling.agent.protocol.CopyStartup.TierUsage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The phases of one copy's start as they happen, written by the threads that do the work and read by every
 * heartbeat, so the control plane sees a start in progress as well as its final timings.
 */
final class StartupTimeline {

    private final Clock clock;
    private final Map<String, Phase> phases = new LinkedHashMap<>();
    private final List<TierUsage> tiers = new ArrayList<>();
    private final List<String> fallbacks = new ArrayList<>();
    private final List<BlobSource> blobs = new ArrayList<>();
    private final List<CacheFault> cacheFaults = new ArrayList<>();

    StartupTimeline(Clock clock) {
        this.clock = clock;
    }

    synchronized void begin(String phase) {
        phases.put(phase, new Phase(phase, clock.instant(), null, null, null));
    }

    synchronized void end(String phase) {
        Phase p = phases.get(phase);
        if (p != null && p.endedAt() == null) {
            phases.put(phase, new Phase(phase, p.startedAt(), clock.instant(), p.bytesDone(), p.bytesTotal()));
        }
    }

    /** Ends every phase still under way (the start failed during them), so the failure's timing is kept too. */
    synchronized void endAll() {
        for (Phase p : List.copyOf(phases.values())) {
            if (p.endedAt() == null) end(p.name());
        }
    }

    /** Progress of a phase that moves bytes. */
    Progress progress(String phase) {
        return new Progress() {
            @Override
            public void total(long bytes) {
                update(phase, null, bytes);
            }

            @Override
            public void moved(long bytes) {
                update(phase, bytes, null);
            }
        };
    }

    private synchronized void update(String phase, Long moved, Long total) {
        Phase p = phases.get(phase);
        if (p == null) return;
        long done = (p.bytesDone() == null ? 0 : p.bytesDone()) + (moved == null ? 0 : moved);
        phases.put(phase, new Phase(phase, p.startedAt(), p.endedAt(), done, total != null ? total : p.bytesTotal()));
    }

    /** Ends a byte-moving phase with what it prepared: its final size and the tiers that served it. */
    synchronized void prepared(String phase, CopyData.Prepared prepared) {
        Phase p = phases.get(phase);
        if (p != null) {
            phases.put(phase, new Phase(phase, p.startedAt(), p.endedAt(), prepared.bytes(), prepared.bytes()));
        }
        end(phase);
        tiers.addAll(prepared.tiers());
        fallbacks.addAll(prepared.fallbacks());
        blobs.addAll(prepared.blobs());
        cacheFaults.addAll(prepared.cacheFaults());
    }

    synchronized CopyStartup snapshot() {
        return new CopyStartup(List.copyOf(phases.values()), tiers, fallbacks, blobs, cacheFaults);
    }
}
