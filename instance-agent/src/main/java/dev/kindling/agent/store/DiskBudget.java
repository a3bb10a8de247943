package dev.kindling.agent.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bytes one instance may keep on its disk, shared by every store that lives there (image blobs, model
 * artifacts), because they fill the same disk. Each store registers its entries under its own name with a size and
 * the action that deletes them; {@link #makeRoom} evicts the least recently used entries across all stores, never
 * one that a {@link Lease} pins, and says what is pinned when the budget cannot be met. A {@link Reservation}
 * counts the bytes of a fetch in progress, so two fetches cannot both be promised the same free space.
 */
public final class DiskBudget {

    /** Deletes an entry's bytes from disk; runs under the budget's lock, so it should be quick (a delete, a rename). */
    @FunctionalInterface
    public interface Eviction {
        void delete() throws IOException;
    }

    private record Name(String store, String key) {
        @Override
        public String toString() {
            return store + " " + key;
        }
    }

    private static final class Entry {
        final long bytes;
        final Eviction eviction;
        long lastUsedMillis;
        long sequence;

        Entry(long bytes, Eviction eviction) {
            this.bytes = bytes;
            this.eviction = eviction;
        }
    }

    private final long budgetBytes;
    private final Map<Name, Entry> entries = new HashMap<>();
    private final Map<Name, Integer> pins = new HashMap<>();
    /** Orders uses within one millisecond, and entries registered with the same modification time. */
    private long sequence;
    private long usedBytes;
    private long reservedBytes;
    /** Counts entries registered and evicted, so what is derived from the entries can tell when to look again. */
    private long changes;

    public DiskBudget(long budgetBytes) {
        if (budgetBytes < 0) throw new IllegalArgumentException("budgetBytes must not be negative, was " + budgetBytes);
        this.budgetBytes = budgetBytes;
    }

    /** A budget that never evicts: for stores that run without a limit. */
    public static DiskBudget unlimited() {
        return new DiskBudget(Long.MAX_VALUE);
    }

    /**
     * Registers (or replaces) an entry as used at {@code lastUsedMillis}: a store reopening after a restart passes
     * its files' modification times, so the order across stores survives the restart.
     */
    public synchronized void add(String store, String key, long bytes, long lastUsedMillis, Eviction eviction) {
        Entry e = new Entry(bytes, eviction);
        e.lastUsedMillis = lastUsedMillis;
        e.sequence = ++sequence;
        Entry previous = entries.put(new Name(store, key), e);
        usedBytes += bytes - (previous == null ? 0 : previous.bytes);
        changes++;
    }

    /** A number that changes whenever an entry is registered or evicted. */
    public synchronized long changes() {
        return changes;
    }

    /** Registers (or replaces) an entry as used now. */
    public void add(String store, String key, long bytes, Eviction eviction) {
        add(store, key, bytes, System.currentTimeMillis(), eviction);
    }

    /** Marks an entry as the most recently used; returns whether it is registered. */
    public synchronized boolean touch(String store, String key) {
        Entry e = entries.get(new Name(store, key));
        if (e == null) return false;
        e.lastUsedMillis = Math.max(e.lastUsedMillis, System.currentTimeMillis());
        e.sequence = ++sequence;
        return true;
    }

    /** Bytes of registered entries, without reservations. */
    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** Bytes of one store's entries. */
    public synchronized long usedBytes(String store) {
        return entries.entrySet().stream().filter(e -> e.getKey().store.equals(store)).mapToLong(e -> e.getValue().bytes).sum();
    }

    /** Pins entries (present or about to be stored) for as long as a running copy uses them; marks them used. */
    public synchronized Lease lease(String store, Set<String> keys) {
        List<Name> names = new ArrayList<>();
        for (String k : keys) {
            Name n = new Name(store, k);
            names.add(n);
            pins.merge(n, 1, Integer::sum);
            touch(store, k);
        }
        return new Lease(names);
    }

    /** What a running copy holds: its entries cannot be evicted until the lease closes. */
    public final class Lease implements AutoCloseable {
        private final List<Name> names;
        private boolean closed;

        private Lease(List<Name> names) {
            this.names = List.copyOf(names);
        }

        @Override
        public void close() {
            synchronized (DiskBudget.this) {
                if (closed) return;
                closed = true;
                for (Name n : names) pins.computeIfPresent(n, (k, c) -> c == 1 ? null : c - 1);
            }
        }
    }

    /**
     * Frees space for {@code incomingBytes} more by evicting least recently used entries that no lease holds. An
     * eviction that fails leaves its entry registered and the next one is tried. Throws when even that is not enough,
     * naming what is pinned and which evictions failed.
     */
    public synchronized void makeRoom(long incomingBytes) throws IOException {
        if (fits(incomingBytes)) return;
        List<Map.Entry<Name, Entry>> byAge = new ArrayList<>(entries.entrySet());
        byAge.sort(Comparator.comparingLong((Map.Entry<Name, Entry> e) -> e.getValue().lastUsedMillis)
                .thenComparingLong(e -> e.getValue().sequence));
        List<String> failed = new ArrayList<>();
        for (Map.Entry<Name, Entry> e : byAge) {
            if (fits(incomingBytes)) break;
            if (pins.containsKey(e.getKey())) continue;
            try {
                e.getValue().eviction.delete();
            } catch (IOException | RuntimeException ex) {
                failed.add(e.getKey() + " (" + ex.getMessage() + ")");
                continue;
            }
            entries.remove(e.getKey());
            usedBytes -= e.getValue().bytes;
            changes++;
        }
        if (!fits(incomingBytes)) {
            List<String> pinned = entries.keySet().stream().filter(pins::containsKey).map(Name::toString).sorted().toList();
            long pinnedBytes = entries.entrySet().stream().filter(e -> pins.containsKey(e.getKey()))
                    .mapToLong(e -> e.getValue().bytes).sum();
            throw new IOException("disk budget of " + budgetBytes + " bytes cannot take " + incomingBytes + " more: "
                    + pinnedBytes + " bytes are held by running copies" + (pinned.isEmpty() ? "" : " (" + describe(pinned) + ")")
                    + (reservedBytes == 0 ? "" : " and " + reservedBytes + " by fetches in progress")
                    + (failed.isEmpty() ? "" : "; evicting " + describe(failed) + " failed"));
        }
    }

    private boolean fits(long incomingBytes) {
        return incomingBytes <= budgetBytes - usedBytes - reservedBytes;
    }

    private static String describe(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }

    /**
     * Makes room for a fetch of {@code bytes} and holds that room until the reservation closes, by which time the
     * fetched bytes are registered entries (or gone).
     */
    public synchronized Reservation reserve(long bytes) throws IOException {
        makeRoom(bytes);
        reservedBytes += bytes;
        return new Reservation(bytes);
    }

    /** Room held for a fetch in progress. */
    public final class Reservation implements AutoCloseable {
        private long bytes;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        /** Holds {@code more} bytes as well, evicting for them if needed. */
        public void grow(long more) throws IOException {
            synchronized (DiskBudget.this) {
                makeRoom(more);
                reservedBytes += more;
                bytes += more;
            }
        }

        @Override
        public void close() {
            synchronized (DiskBudget.this) {
                reservedBytes -= bytes;
                bytes = 0;
            }
        }
    }
}
