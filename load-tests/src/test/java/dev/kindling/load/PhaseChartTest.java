package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PhaseChartTest {

    static final Color WAIT = new Color(0x10, 0x20, 0x30);
    static final Color FETCH = new Color(0xF0, 0x40, 0x20);
    static final Color LOAD = new Color(0x20, 0xC0, 0x40);

    static PhaseChart chart() {
        return new PhaseChart("Where the time went", "seconds", List.of(new PhaseChart.Phase("wait", WAIT),
                new PhaseChart.Phase("fetch", FETCH), new PhaseChart.Phase("load", LOAD)), 900);
    }

    static List<PhaseChart.Row> rows() {
        return List.of(
                new PhaseChart.Row("slow", List.of(new PhaseChart.Segment("wait", 0, 100, PhaseChart.Lane.FULL),
                        new PhaseChart.Segment("fetch", 100, 300, PhaseChart.Lane.UPPER),
                        new PhaseChart.Segment("load", 100, 200, PhaseChart.Lane.LOWER)), "400 s"),
                new PhaseChart.Row("fast", List.of(new PhaseChart.Segment("wait", 0, 40, PhaseChart.Lane.FULL)), "40 s", 200.0),
                new PhaseChart.Row("skipped", List.of(), "not run"));
    }

    @Test
    void writesAPngThatReadsBackWithTheBarsInTheirPhasesColours(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("charts").resolve("phases.png");
        chart().write(rows(), file);

        BufferedImage png = ImageIO.read(file.toFile());
        assertThat(png).isNotNull();
        assertThat(png.getWidth()).isEqualTo(900);
        assertThat(png.getHeight()).isBetween(200, 400);
        // The slow row's longest segment spans the middle of the plot: find its colours along its bar.
        assertThat(count(png, FETCH)).isGreaterThan(1000);
        assertThat(count(png, LOAD)).isGreaterThan(500);
        assertThat(count(png, WAIT)).isGreaterThan(500);
        assertThat(count(png, FETCH)).isGreaterThan(count(png, LOAD));
        // The fast row's target marker and the legend's entry for it.
        assertThat(count(png, PhaseChart.MARKER)).isGreaterThan(20);
        long background = count(png, PhaseChart.BACKGROUND);
        assertThat(background).isLessThan((long) png.getWidth() * png.getHeight());
    }

    @Test
    void laysParallelPhasesOneAboveTheOther() {
        BufferedImage image = chart().render(rows());
        // Along a column inside both the fetch and the load segment, fetch sits above load.
        int column = columnWith(image, FETCH, LOAD);
        assertThat(column).isPositive();
        int fetchTop = firstRow(image, column, FETCH), loadTop = firstRow(image, column, LOAD);
        assertThat(fetchTop).isLessThan(loadTop);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("a phase the chart does not know", List.of(new PhaseChart.Row("r",
                        List.of(new PhaseChart.Segment("unpack", 0, 1, PhaseChart.Lane.FULL)), null)), "unpack"),
                Arguments.of("no rows", List.of(), "at least one row"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWhatItCannotDraw(String label, List<PhaseChart.Row> rows, String message) {
        assertThatThrownBy(() -> chart().render(rows)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void drawsNoMarkerWhereNoRowHasOne() {
        BufferedImage image = chart().render(List.of(rows().getFirst()));
        assertThat(count(image, PhaseChart.MARKER)).isZero();
    }

    @Test
    void refusesANegativeSegmentOrMarker() {
        assertThatThrownBy(() -> new PhaseChart.Segment("wait", 0, -1, PhaseChart.Lane.FULL)).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> new PhaseChart.Row("r", List.of(), null, -1.0)).hasMessageContaining(">= 0");
    }

    static Stream<Arguments> steps() {
        return Stream.of(
                Arguments.of("540 s: steps of 100", 540.0, 100.0),
                Arguments.of("5 s: steps of 1", 5.0, 1.0),
                Arguments.of("0.2 s: steps of 0.05", 0.2, 0.05),
                Arguments.of("nothing: one", 0.0, 1.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void picksARoundTickStep(String label, double max, double step) {
        assertThat(PhaseChart.tickStep(max)).isCloseTo(step, org.assertj.core.api.Assertions.within(1e-12));
    }

    private static long count(BufferedImage image, Color c) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) n++;
            }
        }
        return n;
    }

    private static int columnWith(BufferedImage image, Color a, Color b) {
        for (int x = 0; x < image.getWidth(); x++) {
            if (firstRow(image, x, a) >= 0 && firstRow(image, x, b) >= 0) return x;
        }
        return -1;
    }

    private static int firstRow(BufferedImage image, int x, Color c) {
        for (int y = 0; y < image.getHeight(); y++) {
            if ((image.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) return y;
        }
        return -1;
    }
}
