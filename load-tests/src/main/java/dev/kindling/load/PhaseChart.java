package dev.kindling.load;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

/**
 * A PNG chart of where the time of something went, one horizontal bar per row: segments laid end to end along a
 * time axis, coloured by phase, with a legend. Phases that ran side by side share their stretch of the bar, one in
 * its upper half and one in its lower half. Drawn with Java2D, headless.
 */
public final class PhaseChart {

    static {
        // No display is needed to draw into an image; without this, AWT may look for one.
        System.setProperty("java.awt.headless", "true");
    }

    /** Where a segment sits across the bar's height: all of it, or one half beside a phase that ran in parallel. */
    public enum Lane { FULL, UPPER, LOWER }

    /** A phase's name (as segments and the legend call it) and colour, in legend order. */
    public record Phase(String name, Color color) {}

    /** One stretch of a bar: {@code length} units of {@code phase} from {@code start}. */
    public record Segment(String phase, double start, double length, Lane lane) {
        public Segment {
            if (!(start >= 0) || !(length >= 0)) {
                throw new IllegalArgumentException("segment " + phase + " needs start and length >= 0, was " + start + ", " + length);
            }
        }

        double end() {
            return start + length;
        }
    }

    /**
     * One bar: its label on the left, its segments, a note printed at its right end, and optionally a marker (a
     * target the bar should end before), drawn as a dashed line across the bar.
     */
    public record Row(String label, List<Segment> segments, String note, Double marker) {
        public Row {
            segments = List.copyOf(segments);
            if (marker != null && !(marker >= 0)) throw new IllegalArgumentException("a marker must be >= 0, was " + marker);
        }

        public Row(String label, List<Segment> segments, String note) {
            this(label, segments, note, null);
        }
    }

    static final Color BACKGROUND = Color.WHITE;
    static final Color MARKER = Color.BLACK;
    private static final Color GRID = new Color(0xDD, 0xDD, 0xDD);
    private static final Color TEXT = new Color(0x22, 0x22, 0x22);
    private static final BasicStroke DASHED = new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
            new float[] {4, 3}, 0);
    /** The legend's entry for markers (compared by identity). */
    private static final Phase TARGET = new Phase("target", MARKER);
    private static final int ROW_HEIGHT = 46;
    private static final int BAR_HEIGHT = 28;
    private static final int MARGIN = 16;

    private final String title;
    private final String axisLabel;
    private final List<Phase> phases;
    private final Map<String, Color> colors;
    private final int width;

    /**
     * @param axisLabel what the axis counts (its unit)
     * @param phases every phase a segment may name, in legend order
     * @param width of the image in pixels; the height follows from the rows
     */
    public PhaseChart(String title, String axisLabel, List<Phase> phases, int width) {
        if (width < 400) throw new IllegalArgumentException("a chart needs at least 400 px of width, was " + width);
        this.title = title;
        this.axisLabel = axisLabel;
        this.phases = List.copyOf(phases);
        this.colors = phases.stream().collect(Collectors.toMap(Phase::name, Phase::color, (a, b) -> a));
        this.width = width;
    }

    /** Draws the rows into an image. */
    public BufferedImage render(List<Row> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("a chart needs at least one row");
        for (Row r : rows) {
            for (Segment s : r.segments()) {
                if (!colors.containsKey(s.phase())) {
                    throw new IllegalArgumentException("row " + r.label() + " has a segment of phase '" + s.phase()
                            + "', which is not one of the chart's phases " + colors.keySet());
                }
            }
        }
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        // Measure text on a scratch image first: label and note columns and the legend's lines set the layout.
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D m = scratch.createGraphics();
        m.setFont(font);
        FontMetrics fm = m.getFontMetrics();
        int labelWidth = widest(fm, rows, Row::label);
        int noteWidth = widest(fm, rows, Row::note);
        boolean markers = rows.stream().anyMatch(r -> r.marker() != null);
        List<List<Phase>> legendLines = legendLines(fm, width - 2 * MARGIN, markers);
        m.dispose();

        int plotLeft = MARGIN + labelWidth + 12;
        int plotRight = width - MARGIN - noteWidth - (noteWidth > 0 ? 12 : 0);
        if (plotRight - plotLeft < 100) throw new IllegalArgumentException("labels and notes leave no room for bars in " + width + " px");
        int top = MARGIN + 30;
        int plotBottom = top + rows.size() * ROW_HEIGHT;
        int height = plotBottom + 44 + legendLines.size() * 22 + MARGIN;

        double max = Math.max(rows.stream().flatMap(r -> r.segments().stream()).mapToDouble(Segment::end).max().orElse(0),
                rows.stream().filter(r -> r.marker() != null).mapToDouble(Row::marker).max().orElse(0));
        double step = tickStep(max);
        double axisMax = Math.max(step, Math.ceil(max / step) * step);
        Function<Double, Integer> x = v -> plotLeft + (int) Math.round(v / axisMax * (plotRight - plotLeft));

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(titleFont);
            g.setColor(TEXT);
            g.drawString(title, MARGIN, MARGIN + 16);

            g.setFont(font);
            fm = g.getFontMetrics();
            for (double v = 0; v <= axisMax + step / 2; v += step) {
                int gx = x.apply(v);
                g.setColor(GRID);
                g.drawLine(gx, top, gx, plotBottom);
                g.setColor(TEXT);
                String tick = format(v);
                g.drawString(tick, gx - fm.stringWidth(tick) / 2, plotBottom + 16);
            }
            g.drawString(axisLabel, plotLeft + (plotRight - plotLeft - fm.stringWidth(axisLabel)) / 2, plotBottom + 34);

            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                int y = top + i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2;
                int baseline = y + BAR_HEIGHT / 2 + fm.getAscent() / 2 - 1;
                g.setColor(TEXT);
                g.drawString(row.label(), plotLeft - 12 - fm.stringWidth(row.label()), baseline);
                int end = plotLeft;
                for (Segment s : row.segments()) {
                    int x0 = x.apply(s.start());
                    int w = Math.max(s.length() > 0 ? 1 : 0, x.apply(s.end()) - x0);
                    int y0 = s.lane() == Lane.LOWER ? y + BAR_HEIGHT / 2 : y;
                    int h = s.lane() == Lane.FULL ? BAR_HEIGHT : BAR_HEIGHT / 2;
                    g.setColor(colors.get(s.phase()));
                    g.fillRect(x0, y0, w, h);
                    end = Math.max(end, x0 + w);
                }
                if (row.marker() != null) {
                    int mx = x.apply(row.marker());
                    g.setColor(MARKER);
                    g.setStroke(DASHED);
                    g.drawLine(mx, y - 4, mx, y + BAR_HEIGHT + 4);
                    g.setStroke(new BasicStroke(1));
                    end = Math.max(end, mx + 2);
                }
                if (row.note() != null && !row.note().isEmpty()) {
                    g.setColor(TEXT);
                    g.drawString(row.note(), end + 8, baseline);
                }
            }
            g.setColor(TEXT);
            g.setStroke(new BasicStroke(1));
            g.drawLine(plotLeft, top, plotLeft, plotBottom);
            g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);

            int ly = plotBottom + 44 + 14;
            for (List<Phase> line : legendLines) {
                int lx = MARGIN;
                for (Phase p : line) {
                    if (p == TARGET) {
                        g.setColor(MARKER);
                        g.setStroke(DASHED);
                        g.drawLine(lx + 7, ly - 13, lx + 7, ly + 3);
                        g.setStroke(new BasicStroke(1));
                    } else {
                        g.setColor(p.color());
                        g.fillRect(lx, ly - 11, 14, 14);
                    }
                    g.setColor(TEXT);
                    g.drawString(p.name(), lx + 20, ly);
                    lx += legendItemWidth(fm, p);
                }
                ly += 22;
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Draws the rows and writes them as a PNG to {@code file}, creating its directory. */
    public void write(List<Row> rows, Path file) {
        BufferedImage image = render(rows);
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            if (!ImageIO.write(image, "png", file.toFile())) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the chart to " + file, e);
        }
    }

    private List<List<Phase>> legendLines(FontMetrics fm, int available, boolean markers) {
        List<List<Phase>> lines = new ArrayList<>();
        List<Phase> line = new ArrayList<>();
        int used = 0;
        List<Phase> items = new ArrayList<>(phases);
        if (markers) items.add(TARGET);
        for (Phase p : items) {
            int w = legendItemWidth(fm, p);
            if (!line.isEmpty() && used + w > available) {
                lines.add(line);
                line = new ArrayList<>();
                used = 0;
            }
            line.add(p);
            used += w;
        }
        if (!line.isEmpty()) lines.add(line);
        return lines;
    }

    private static int legendItemWidth(FontMetrics fm, Phase p) {
        return 20 + fm.stringWidth(p.name()) + 24;
    }

    private static int widest(FontMetrics fm, List<Row> rows, Function<Row, String> text) {
        return rows.stream().map(text).filter(t -> t != null).mapToInt(fm::stringWidth).max().orElse(0);
    }

    /** A round step (1, 2 or 5 times a power of ten) that gives the axis about eight ticks. */
    static double tickStep(double max) {
        if (!(max > 0)) return 1;
        double raw = max / 8;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double f : new double[] {1, 2, 5}) {
            if (f * power >= raw) return f * power;
        }
        return 10 * power;
    }

    private static String format(double v) {
        // Rounded first: steps like 0.1 add up to 0.30000000000000004.
        return java.math.BigDecimal.valueOf(Math.round(v * 1e6) / 1e6).stripTrailingZeros().toPlainString();
    }
}
