package dev.kindling.api.leader;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A leadership a test hands over and takes back by hand. */
final class SettableLeadership implements Leadership {

    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean leader;

    void set(boolean leads) {
        leader = leads;
        listeners.forEach(l -> l.accept(leads));
    }

    @Override
    public boolean isLeader() {
        return leader;
    }

    @Override
    public String replicaId() {
        return "test";
    }

    @Override
    public Instant since() {
        return Instant.EPOCH;
    }

    @Override
    public void addListener(Consumer<Boolean> listener) {
        listeners.add(listener);
    }
}
