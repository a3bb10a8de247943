package dev.kindling.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One budget across stores: least recently used first whichever store it is in, leased never, reservations held. */
class DiskBudgetTest {

    private final List<String> evicted = new ArrayList<>();

    private void add(DiskBudget budget, String store, String key, long bytes, long lastUsed) {
        budget.add(store, key, bytes, lastUsed, () -> evicted.add(store + " " + key));
    }

    @Test
    void evictsTheLeastRecentlyUsedEntryAcrossStores() throws IOException {
        DiskBudget budget = new DiskBudget(100);
        add(budget, "blob", "b1", 30, 1_000);
        add(budget, "artifact", "a1", 30, 2_000);
        add(budget, "blob", "b2", 30, 3_000);

        budget.makeRoom(30);
        assertThat(evicted).containsExactly("blob b1");
        budget.touch("artifact", "a1"); // now newer than b2
        budget.makeRoom(60);
        assertThat(evicted).containsExactly("blob b1", "blob b2");
        assertThat(budget.usedBytes()).isEqualTo(30);
        assertThat(budget.usedBytes("artifact")).isEqualTo(30);
    }

    @Test
    void aLeasedEntryIsNeverEvictedAndTheRefusalNamesIt() throws IOException {
        DiskBudget budget = new DiskBudget(100);
        add(budget, "artifact", "old", 40, 1_000);
        add(budget, "blob", "b", 40, 2_000);
        try (DiskBudget.Lease running = budget.lease("artifact", Set.of("old"))) {
            budget.makeRoom(50);
            assertThat(evicted).containsExactly("blob b");
            assertThatThrownBy(() -> budget.makeRoom(70))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("40 bytes are held by running copies (artifact old)");
        }
        budget.makeRoom(70);
        assertThat(evicted).containsExactly("blob b", "artifact old");
    }

    @Test
    void aFailedEvictionDoesNotStopTheNextAndIsNamedIfTheBudgetCannotBeMet() throws IOException {
        DiskBudget budget = new DiskBudget(100);
        budget.add("artifact", "stuck", 30, 1_000, () -> {
            throw new IOException("Device or resource busy");
        });
        add(budget, "blob", "b1", 30, 2_000);
        add(budget, "blob", "b2", 30, 3_000);

        budget.makeRoom(30);
        assertThat(evicted).containsExactly("blob b1");
        assertThat(budget.usedBytes()).isEqualTo(60);

        assertThatThrownBy(() -> budget.makeRoom(100))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("evicting artifact stuck (Device or resource busy) failed");
        assertThat(evicted).containsExactly("blob b1", "blob b2");
        assertThat(budget.usedBytes()).as("the entry that could not be evicted still counts").isEqualTo(30);
    }

    @Test
    void aReservationHoldsRoomUntilItCloses() throws IOException {
        DiskBudget budget = new DiskBudget(100);
        try (DiskBudget.Reservation fetch = budget.reserve(80)) {
            assertThatThrownBy(() -> budget.makeRoom(30))
                    .hasMessageContaining("and 80 by fetches in progress");
            fetch.grow(20);
            assertThatThrownBy(() -> budget.reserve(1)).isInstanceOf(IOException.class);
        }
        budget.reserve(100).close();
    }
}
