package dev.sparklstm.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws per-epoch loss curves into a PNG with plain java.awt (headless) and javax.imageio: one
 * panel per group (e.g. per sequence length), one line with point markers per curve (e.g. per
 * cell type), a shared log-scale y axis, horizontal reference lines (e.g. a trivial baseline and
 * a target) and a legend under the panels. Curves with the same label get the same colour in
 * every panel.
 *
 * <p>Command line (reads the training job's {@code metrics/} Parquet tables):
 * <pre>
 * LossCurvePlot --output FILE.png [--title TEXT] [--column validation_loss] [--y-label TEXT]
 *     [--line LABEL=VALUE ...] --curve PANEL LABEL METRICS_DIR [--curve ...]
 * </pre>
 */
public final class LossCurvePlot {
    /** Width of one panel in pixels. */
    static final int PANEL_WIDTH = 480;
    /** Height of the plot area's panel (title, axes and tick labels included). */
    static final int PANEL_HEIGHT = 400;
    static final int TITLE_HEIGHT = 36;
    static final int LEGEND_HEIGHT = 44;
    private static final int LEFT = 72;
    private static final int RIGHT = 16;
    private static final int TOP = 30;
    private static final int BOTTOM = 52;
    /** Colours of the curves, in order of first appearance of their labels. */
    static final List<Color> PALETTE = List.of(new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b));
    /** Colours of the reference lines, in order. */
    static final List<Color> LINE_COLOURS = List.of(new Color(0x555555), new Color(0x2ca02c), new Color(0x9467bd));
    static final Color BACKGROUND = Color.WHITE;
    private static final int MARKER_RADIUS = 3;

    /** One curve: y over x (e.g. validation MSE over epochs). Points with y <= 0 or NaN are skipped. */
    public record Curve(String label, double[] x, double[] y) {
        public Curve {
            if (x.length != y.length) {
                throw new IllegalArgumentException("curve " + label + ": " + x.length + " x values but " + y.length
                        + " y values");
            }
        }
    }

    /** One panel: a title and its curves. */
    public record Panel(String title, List<Curve> curves) {
    }

    /** A horizontal reference line across every panel. */
    public record Line(String label, double y) {
        public Line {
            if (!(y > 0) || Double.isInfinite(y)) {
                throw new IllegalArgumentException("line " + label + " must be positive and finite on a log scale, got " + y);
            }
        }
    }

    /**
     * The drawn image and its axes.
     *
     * @param image  the picture
     * @param xMax   right end of the shared x axis (it starts at 0)
     * @param yLow   bottom of the log-scale y axis
     * @param yHigh  top of the log-scale y axis
     */
    public record Plot(BufferedImage image, double xMax, double yLow, double yHigh) {
        /** Pixel column of {@code x} in panel {@code panel}. */
        public int pixelX(int panel, double x) {
            int left = panel * PANEL_WIDTH + LEFT;
            int width = PANEL_WIDTH - LEFT - RIGHT;
            return (int) Math.round(left + x / xMax * width);
        }

        /** Pixel row of {@code y} (log scale). */
        public int pixelY(double y) {
            int top = TITLE_HEIGHT + TOP;
            int height = PANEL_HEIGHT - TOP - BOTTOM;
            double f = (Math.log10(y) - Math.log10(yLow)) / (Math.log10(yHigh) - Math.log10(yLow));
            return (int) Math.round(top + (1 - f) * height);
        }
    }

    private LossCurvePlot() {
    }

    /** Draws the panels side by side; the y axis is shared and spans whole decades. */
    public static Plot render(String title, String xLabel, String yLabel, List<Panel> panels, List<Line> lines) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("nothing to plot: no panel");
        }
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = 0;
        double xMax = 1;
        Map<String, Color> colours = new LinkedHashMap<>();
        for (Panel panel : panels) {
            for (Curve curve : panel.curves()) {
                colours.computeIfAbsent(curve.label(), k -> PALETTE.get(colours.size() % PALETTE.size()));
                for (int i = 0; i < curve.x().length; i++) {
                    if (curve.y()[i] > 0 && Double.isFinite(curve.y()[i])) {
                        yMin = Math.min(yMin, curve.y()[i]);
                        yMax = Math.max(yMax, curve.y()[i]);
                        xMax = Math.max(xMax, curve.x()[i]);
                    }
                }
            }
        }
        // Room on the right, so that the last points are not drawn on the frame.
        xMax += Math.max(0.5, 0.03 * xMax);
        for (Line line : lines) {
            yMin = Math.min(yMin, line.y());
            yMax = Math.max(yMax, line.y());
        }
        if (yMax == 0) {
            throw new IllegalArgumentException("nothing to plot: no positive finite value");
        }
        // Whole decades, with some room so that a line at a decade is not drawn on the frame.
        double yLow = Math.pow(10, Math.floor(Math.log10(yMin / 1.5)));
        double yHigh = Math.pow(10, Math.ceil(Math.log10(yMax * 1.5)));
        if (yHigh <= yLow) {
            yHigh = yLow * 10;
        }
        Plot plot = new Plot(new BufferedImage(panels.size() * PANEL_WIDTH, TITLE_HEIGHT + PANEL_HEIGHT + LEGEND_HEIGHT,
                BufferedImage.TYPE_INT_RGB), xMax, yLow, yHigh);
        Graphics2D g = plot.image().createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, plot.image().getWidth(), plot.image().getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            centre(g, title, plot.image().getWidth() / 2, 24);
            for (int p = 0; p < panels.size(); p++) {
                drawPanel(g, plot, p, panels.get(p), lines, colours, xLabel, yLabel);
            }
            drawLegend(g, plot, colours, lines);
        } finally {
            g.dispose();
        }
        return plot;
    }

    private static void drawPanel(Graphics2D g, Plot plot, int p, Panel panel, List<Line> lines,
                                  Map<String, Color> colours, String xLabel, String yLabel) {
        int left = plot.pixelX(p, 0);
        int right = plot.pixelX(p, plot.xMax());
        int top = plot.pixelY(plot.yHigh());
        int bottom = plot.pixelY(plot.yLow());
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        // Grid: every decade, with lighter lines at 2..9 times each decade.
        for (double decade = plot.yLow(); decade < plot.yHigh() * 1.0001; decade *= 10) {
            for (int k = 1; k <= 9; k++) {
                double y = decade * k;
                if (y > plot.yHigh() * 1.0001) {
                    break;
                }
                g.setColor(k == 1 ? new Color(0xd0d0d0) : new Color(0xf0f0f0));
                g.setStroke(new BasicStroke(1f));
                g.drawLine(left, plot.pixelY(y), right, plot.pixelY(y));
                if (k == 1) {
                    g.setColor(Color.BLACK);
                    g.setFont(tickFont);
                    String text = tick(y);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(text, left - 6 - fm.stringWidth(text), plot.pixelY(y) + fm.getAscent() / 2 - 1);
                }
            }
        }
        double step = niceStep(plot.xMax());
        g.setFont(tickFont);
        for (double x = 0; x <= plot.xMax() + 1e-9; x += step) {
            int px = plot.pixelX(p, x);
            g.setColor(new Color(0xf0f0f0));
            g.drawLine(px, top, px, bottom);
            g.setColor(Color.BLACK);
            g.drawLine(px, bottom, px, bottom + 4);
            centre(g, tick(x), px, bottom + 17);
        }
        for (int i = 0; i < lines.size(); i++) {
            g.setColor(LINE_COLOURS.get(i % LINE_COLOURS.size()));
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            int py = plot.pixelY(lines.get(i).y());
            g.drawLine(left, py, right, py);
        }
        for (Curve curve : panel.curves()) {
            g.setColor(colours.get(curve.label()));
            g.setStroke(new BasicStroke(2f));
            Path2D path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < curve.x().length; i++) {
                double y = curve.y()[i];
                if (!(y > 0) || !Double.isFinite(y)) {
                    started = false;
                    continue;
                }
                int px = plot.pixelX(p, curve.x()[i]);
                int py = plot.pixelY(y);
                if (started) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    started = true;
                }
            }
            g.draw(path);
            for (int i = 0; i < curve.x().length; i++) {
                double y = curve.y()[i];
                if (y > 0 && Double.isFinite(y)) {
                    g.fill(marker(plot.pixelX(p, curve.x()[i]), plot.pixelY(y)));
                }
            }
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, right - left, bottom - top);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        centre(g, panel.title(), (left + right) / 2, top - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        centre(g, xLabel, (left + right) / 2, bottom + 38);
        Graphics2D rotated = (Graphics2D) g.create();
        try {
            rotated.rotate(-Math.PI / 2);
            // After the rotation, (x, y) draws at screen (y, -x).
            centre(rotated, yLabel, -(top + bottom) / 2, p * PANEL_WIDTH + 18);
        } finally {
            rotated.dispose();
        }
    }

    private static void drawLegend(Graphics2D g, Plot plot, Map<String, Color> colours, List<Line> lines) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        List<String> labels = new ArrayList<>(colours.keySet());
        lines.forEach(line -> labels.add(line.label()));
        int total = 0;
        for (String label : labels) {
            total += 34 + fm.stringWidth(label) + 24;
        }
        int x = Math.max(8, (plot.image().getWidth() - total) / 2);
        int y = TITLE_HEIGHT + PANEL_HEIGHT + LEGEND_HEIGHT / 2;
        int i = 0;
        for (Map.Entry<String, Color> entry : colours.entrySet()) {
            g.setColor(entry.getValue());
            g.setStroke(new BasicStroke(2f));
            g.draw(new Line2D.Double(x, y, x + 28, y));
            g.fill(marker(x + 14, y));
            g.setColor(Color.BLACK);
            g.drawString(entry.getKey(), x + 34, y + fm.getAscent() / 2 - 1);
            x += 34 + fm.stringWidth(entry.getKey()) + 24;
        }
        for (Line line : lines) {
            g.setColor(LINE_COLOURS.get(i++ % LINE_COLOURS.size()));
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            g.draw(new Line2D.Double(x, y, x + 28, y));
            g.setColor(Color.BLACK);
            g.drawString(line.label(), x + 34, y + fm.getAscent() / 2 - 1);
            x += 34 + fm.stringWidth(line.label()) + 24;
        }
    }

    private static Shape marker(int x, int y) {
        return new java.awt.geom.Ellipse2D.Double(x - MARKER_RADIUS, y - MARKER_RADIUS, 2 * MARKER_RADIUS + 1,
                2 * MARKER_RADIUS + 1);
    }

    private static void centre(Graphics2D g, String text, int x, int baseline) {
        g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }

    /** A tick step of 1, 2 or 5 times a power of ten giving about 5 to 10 ticks. */
    static double niceStep(double range) {
        double raw = range / 8;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude;
        for (double factor : new double[] {1, 2, 5, 10}) {
            step = factor * magnitude;
            if (step >= raw) {
                break;
            }
        }
        return Math.max(1, step);
    }

    private static String tick(double value) {
        if (value >= 1 && value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%d", (long) value);
        }
        return String.format(Locale.ROOT, "%s", new java.math.BigDecimal(value).round(new java.math.MathContext(1))
                .stripTrailingZeros().toPlainString());
    }

    /** Writes the plot as a PNG. */
    public static void write(Plot plot, File file) {
        try {
            if (!ImageIO.write(plot.image(), "png", file)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Command line: see the class comment. Exit code 2 for bad options. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("LossCurvePlot: " + e.getMessage());
            System.exit(2);
        }
    }

    static void run(String[] args) {
        String output = null;
        String title = "";
        String column = "validation_loss";
        String yLabel = "validation MSE";
        List<Line> lines = new ArrayList<>();
        Map<String, List<Curve>> panels = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            int needed = name.equals("--curve") ? 3 : 1;
            if (i + needed >= args.length) {
                throw new IllegalArgumentException("option " + name + " needs " + needed + " value(s)");
            }
            switch (name) {
                case "--output" -> output = args[++i];
                case "--title" -> title = args[++i];
                case "--column" -> column = args[++i];
                case "--y-label" -> yLabel = args[++i];
                case "--line" -> {
                    String spec = args[++i];
                    int eq = spec.lastIndexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--line must be LABEL=VALUE, got '" + spec + "'");
                    }
                    try {
                        lines.add(new Line(spec.substring(0, eq), Double.parseDouble(spec.substring(eq + 1))));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--line value must be a number, got '" + spec + "'", e);
                    }
                }
                case "--curve" -> {
                    String panel = args[++i];
                    String label = args[++i];
                    String metrics = args[++i];
                    Map<String, double[]> table = ParquetColumns.read(metrics, List.of("epoch", column));
                    panels.computeIfAbsent(panel, k -> new ArrayList<>())
                            .add(new Curve(label, table.get("epoch"), table.get(column)));
                }
                default -> throw new IllegalArgumentException("unknown option '" + name
                        + "'; allowed: --output, --title, --column, --y-label, --line, --curve");
            }
        }
        if (output == null) {
            throw new IllegalArgumentException("--output is required (a .png file)");
        }
        List<Panel> list = new ArrayList<>();
        panels.forEach((panelTitle, curves) -> list.add(new Panel(panelTitle, sortedByX(curves))));
        Plot plot = render(title, "epoch", yLabel, list, lines);
        write(plot, new File(output));
        System.out.printf(Locale.ROOT, "wrote %s (%dx%d, %d panel(s))%n", output, plot.image().getWidth(),
                plot.image().getHeight(), list.size());
    }

    /** Part files need not hold the epochs in order. */
    private static List<Curve> sortedByX(List<Curve> curves) {
        List<Curve> sorted = new ArrayList<>();
        for (Curve curve : curves) {
            Integer[] order = new Integer[curve.x().length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(curve.x()[a], curve.x()[b]));
            double[] x = new double[order.length];
            double[] y = new double[order.length];
            for (int i = 0; i < order.length; i++) {
                x[i] = curve.x()[order[i]];
                y[i] = curve.y()[order[i]];
            }
            sorted.add(new Curve(curve.label(), x, y));
        }
        return sorted;
    }
}
