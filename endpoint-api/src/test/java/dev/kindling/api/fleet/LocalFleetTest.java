package dev.kindling.api.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.io.InstanceThroughput;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An emulated instance moves bytes at its type's rates, scaled like its launch delay, on a disk of its own. */
class LocalFleetTest {

    @TempDir
    Path dir;
    private final InstanceType g6 = new InstanceTypeCatalog().get("ml.g6.2xlarge"); // 5 Gbps, 125 MiB/s

    private LocalFleet fleet(double timeScale) {
        return new LocalFleet(new LocalFleet.Settings(timeScale, Duration.ofSeconds(1), 4, "127.0.0.1", dir, 1L << 30),
                () -> URI.create("http://127.0.0.1:1"), (disk, throughput) -> { throw new AssertionError("no boot here"); });
    }

    @Test
    void aTimeScaleOfZeroMovesBytesUnthrottled() {
        try (LocalFleet f = fleet(0)) {
            assertThat(f.throughput(g6)).isSameAs(InstanceThroughput.UNLIMITED);
        }
    }

    @Test
    void ratesAreDividedByTheTimeScaleSoATransferTakesThatShareOfItsCloudTime() {
        try (LocalFleet cloud = fleet(1); LocalFleet fast = fleet(0.02)) {
            assertThat(cloud.networkBytesPerSecond(g6)).isEqualTo(625e6); // 5 Gbps
            assertThat(cloud.diskBytesPerSecond(g6)).isEqualTo(125.0 * (1 << 20));
            assertThat(fast.networkBytesPerSecond(g6)).isEqualTo(625e6 * 50);
            assertThat(fast.diskBytesPerSecond(g6)).isEqualTo(125.0 * (1 << 20) * 50);
            assertThat(cloud.throughput(g6)).isNotSameAs(InstanceThroughput.UNLIMITED);
        }
    }

    @Test
    void disksOfAnEarlierRunAreClearedAtStartAndNothingElse() throws Exception {
        Path stale = Files.createDirectories(dir.resolve("ki-old/blobs"));
        Files.writeString(stale.resolve("x"), "stale");
        Files.writeString(dir.resolve("ki-old").resolve(LocalFleet.DISK_MARKER), "ki-old");
        Path someoneElses = Files.createDirectories(dir.resolve("registry"));
        Files.writeString(someoneElses.resolve("keep"), "not a disk");

        fleet(0).close(); // closing waits for the background deletions

        assertThat(dir.resolve("ki-old")).doesNotExist();
        assertThat(someoneElses.resolve("keep")).hasContent("not a disk");
    }
}
