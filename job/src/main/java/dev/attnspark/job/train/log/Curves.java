package dev.attnspark.job.train.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.DatasetException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Training curves of one or several runs as a PNG, from their {@code metrics.jsonl}: a loss panel (train solid, valid
 * dashed with dots) and one panel per other validation metric, against step; one colour per run.
 */
public final class Curves {
    /** A run's rows of {@code metrics.jsonl} ({@code split}, {@code epoch}, {@code step}, metrics; values may be null). */
    public record Run(String label, List<Map<String, Object>> rows) {}

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");  // drivers and executors have no display
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_METRICS = Set.of("split", "epoch", "step");
    // matplotlib's tab10: distinct, and familiar to readers of Lightning and TensorBoard plots
    private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};
    private static final Stroke TRAIN = new BasicStroke(1.8f);
    private static final Stroke VALID = new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
            new float[] {7f, 5f}, 0f);
    private static final Shape DOT = new Ellipse2D.Double(-3.5, -3.5, 7, 7);
    private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font LABELS = new Font(Font.SANS_SERIF, Font.PLAIN, 16);
    private static final int WIDTH = 1200;
    private static final int PANEL_HEIGHT = 320;

    private Curves() {}

    /** A run from a {@code metrics.jsonl} or a run folder holding one, labelled with the run folder's name. */
    public static Run read(Path fileOrRunDir, Configuration conf) {
        return read(fileOrRunDir, null, conf);
    }

    /** As {@link #read(Path, Configuration)}, with the legend's name for it ({@code null}: the run folder's name). */
    public static Run read(Path fileOrRunDir, String label, Configuration conf) {
        Path file = fileOrRunDir;
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            FileSystem fs = file.getFileSystem(conf);
            FileStatus status = fs.getFileStatus(file);
            if (status.isDirectory()) {
                file = new Path(file, MetricsLog.FILE);
                if (!fs.exists(file)) {
                    throw new DatasetException(fileOrRunDir + " has no " + MetricsLog.FILE + "; give a run folder or a "
                            + MetricsLog.FILE + " file");
                }
            }
            String text;
            try (InputStream in = fs.open(file)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    rows.add(row(lines[i], file, i + 1));
                }
            }
        } catch (FileNotFoundException e) {
            throw new DatasetException("no such file or folder: " + fileOrRunDir, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new DatasetException(file + " has no rows");
        }
        return new Run(label != null ? label : defaultLabel(file), rows);
    }

    /** Draws the runs' curves as a PNG ({@value WIDTH} pixels wide, {@value PANEL_HEIGHT} high per panel and a legend). */
    public static void plot(List<Run> runs, OutputStream png) throws IOException {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to plot");
        }
        List<String> validMetrics = new ArrayList<>(validMetrics(runs));
        NumberAxis step = axis("step");
        step.setAutoRangeIncludesZero(false);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(step);
        plot.setGap(18);
        plot.add(panel(runs, "loss", true), 1);
        for (String metric : validMetrics) {
            plot.add(panel(runs, metric, false), 1);
        }
        plot.setFixedLegendItems(legend(runs));

        JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 16));
        LegendTitle legend = new LegendTitle(plot);
        legend.setItemFont(LABELS);
        legend.setPosition(RectangleEdge.TOP);
        legend.setItemLabelPadding(new RectangleInsets(2, 4, 2, 14));
        chart.addLegend(legend);
        ChartUtils.writeChartAsPNG(png, chart, WIDTH, 90 + PANEL_HEIGHT * (1 + validMetrics.size()));
    }

    /** One metric against step: for loss, train (solid) and valid (dashed) of every run; otherwise valid only. */
    private static XYPlot panel(List<Run> runs, String metric, boolean withTrain) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        for (int r = 0; r < runs.size(); r++) {
            for (String split : withTrain ? List.of("train", "valid") : List.of("valid")) {
                XYSeries s = series(runs.get(r), split, metric, r + "/" + split);
                int i = data.getSeriesCount();
                data.addSeries(s);
                boolean train = split.equals("train");
                renderer.setSeriesPaint(i, COLOURS[r % COLOURS.length]);
                renderer.setSeriesStroke(i, train ? TRAIN : VALID);
                renderer.setSeriesShape(i, DOT);
                // a lone point has no line to show: dots on validation curves and very short training ones
                renderer.setSeriesShapesVisible(i, !train || s.getItemCount() < 3);
            }
        }
        NumberAxis y = axis(withTrain ? metric : "valid " + metric);
        y.setAutoRangeIncludesZero(false);
        XYPlot p = new XYPlot(data, null, y, renderer);
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(new Color(0xdddddd));
        p.setRangeGridlinePaint(new Color(0xdddddd));
        p.setDomainGridlineStroke(new BasicStroke(1f));
        p.setRangeGridlineStroke(new BasicStroke(1f));
        p.setOutlinePaint(new Color(0x999999));
        return p;
    }

    private static XYSeries series(Run run, String split, String metric, String key) {
        XYSeries s = new XYSeries(key, true, true);
        for (Map<String, Object> row : run.rows()) {
            if (split.equals(row.get("split")) && row.get("step") instanceof Number step
                    && row.get(metric) instanceof Number v && Double.isFinite(v.doubleValue())) {
                s.add(step.doubleValue(), v.doubleValue());
            }
        }
        return s;
    }

    /** Validation metrics other than loss with at least one number, in the order they first appear. */
    private static Set<String> validMetrics(List<Run> runs) {
        Set<String> metrics = new LinkedHashSet<>();
        for (Run run : runs) {
            for (Map<String, Object> row : run.rows()) {
                if ("valid".equals(row.get("split"))) {
                    row.forEach((k, v) -> {
                        if (!NOT_METRICS.contains(k) && !k.equals("loss") && v instanceof Number) {
                            metrics.add(k);
                        }
                    });
                }
            }
        }
        return metrics;
    }

    /** One entry per run (its colour), then what the line styles mean. */
    private static LegendItemCollection legend(List<Run> runs) {
        LegendItemCollection items = new LegendItemCollection();
        Shape line = new Line2D.Double(-14, 0, 14, 0);
        for (int r = 0; r < runs.size(); r++) {
            items.add(new LegendItem(runs.get(r).label(), null, null, null, line, new BasicStroke(4f),
                    COLOURS[r % COLOURS.length]));
        }
        Color grey = new Color(0x555555);
        items.add(new LegendItem("train", null, null, null, line, TRAIN, grey));
        items.add(new LegendItem("valid", null, null, null, true, DOT, true, grey, false, grey, TRAIN, true, line,
                VALID, grey));
        return items;
    }

    private static NumberAxis axis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setLabelFont(LABELS);
        a.setTickLabelFont(TICKS);
        return a;
    }

    private static Map<String, Object> row(String line, Path file, int number) {
        try {
            return JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (JsonProcessingException e) {
            throw new DatasetException(file + " line " + number + " is not a JSON object; expected one metrics row per "
                    + "line as in " + MetricsLog.FILE, e);
        }
    }

    /** The run folder's name for {@code <run>/metrics.jsonl}; otherwise the file's name without {@code .jsonl}. */
    private static String defaultLabel(Path file) {
        String name = file.getName();
        if (name.equals(MetricsLog.FILE) && file.getParent() != null && !file.getParent().getName().isEmpty()) {
            return file.getParent().getName();
        }
        return name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
    }
}
