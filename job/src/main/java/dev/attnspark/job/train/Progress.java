package dev.attnspark.job.train;

import dev.attnspark.job.config.MetricNames;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/** Status lines on long work: epoch, step, metrics, throughput and time left. */
public final class Progress {
    private final PrintStream out;
    private final long totalSteps;
    private final long startNanos = System.nanoTime();
    private final long startStep;

    public Progress(PrintStream out, long startStep, long totalSteps) {
        this.out = out;
        this.startStep = startStep;
        this.totalSteps = totalSteps;
    }

    public void line(String text) {
        out.println(text);
        out.flush();
    }

    /** One status line after a chunk of training; {@code lastEpoch} is the epoch in which the run will end. */
    public void step(int epoch, int lastEpoch, long step, Map<String, Double> metrics, double lr, double samplesPerSec) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  step %d/%d", epoch, lastEpoch,
                step, totalSteps));
        metrics.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %s %.4f", k, v)));
        sb.append(String.format(Locale.ROOT, "  lr %.2e  %.1f samples/s  ETA %s", lr, samplesPerSec, eta(step)));
        line(sb.toString());
    }

    private String eta(long step) {
        long done = step - startStep;
        if (done <= 0) {
            return "?";
        }
        double secPerStep = (System.nanoTime() - startNanos) / 1e9 / done;
        return format(Duration.ofSeconds((long) (secPerStep * (totalSteps - step))));
    }

    /** A metric as the tables print it: four decimals, or four significant digits for small values. */
    public static String number(Double v) {
        if (v == null || v.isNaN()) {
            return "nan";
        }
        return Math.abs(v) >= 1e-3 || v == 0 ? String.format(Locale.ROOT, "%.4f", v)
                : String.format(Locale.ROOT, "%.4g", v);
    }

    public static String format(Duration d) {
        long h = d.toHours(), m = d.toMinutesPart(), s = d.toSecondsPart();
        return h > 0 ? String.format(Locale.ROOT, "%dh%02dm", h, m) : String.format(Locale.ROOT, "%dm%02ds", m, s);
    }

    /** The validation table, in the style of Lightning's {@code validate} output. */
    public void validationTable(Map<String, Double> metrics) {
        String rule = "─".repeat(50);
        line(rule);
        line(String.format(Locale.ROOT, "%20s %25s", "Validate metric", "DataLoader 0"));
        line(rule);
        metrics.forEach((k, v) -> line(String.format(Locale.ROOT, "%20s %25s", MetricNames.validation(k), number(v))));
        line(rule);
    }
}
