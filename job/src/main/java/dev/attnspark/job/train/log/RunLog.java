package dev.attnspark.job.train.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.job.checkpoint.RunDir;
import dev.attnspark.job.config.MetricNames;
import dev.attnspark.job.config.TrainerConfig;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run writes about its progress: {@code metrics.jsonl} (the record, resumable), TensorBoard event
 * files when {@code trainer.logger} asks for them (Lightning's keys: {@code train_loss}, {@code lr},
 * {@code samples_per_s}, {@code val_loss}, ...), and on closing {@code curves.png}, loss and validation metrics
 * against step.
 */
public final class RunLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunLog.class);
    public static final String CURVES = "curves.png";
    private final RunDir dir;
    private final MetricsLog metrics;
    private final TensorBoardWriter tensorBoard;

    private RunLog(RunDir dir, MetricsLog metrics, TensorBoardWriter tensorBoard) {
        this.dir = dir;
        this.metrics = metrics;
        this.tensorBoard = tensorBoard;
    }

    /**
     * A fresh log, or with {@code resumedAt >= 0} the log of a run continued from a checkpoint at that step (a
     * resumed run writes its TensorBoard scalars into a new version folder, as Lightning does).
     */
    public static RunLog open(RunDir dir, TrainerConfig.Logger logger, long resumedAt) {
        MetricsLog metrics = resumedAt >= 0 ? MetricsLog.resume(dir, resumedAt) : MetricsLog.create(dir);
        TensorBoardWriter tb = null;
        if (logger.enabled()) {
            Path saveDir = logger.saveDir != null ? new Path(logger.saveDir) : dir.root();
            tb = TensorBoardWriter.open(saveDir, logger.name, logger.version, dir.conf());
        }
        return new RunLog(dir, metrics, tb);
    }

    /** A training row: the step's metrics, {@code lr} and {@code samples_per_s}. */
    public void train(int epoch, long step, Map<String, ?> values) {
        metrics.append("train", epoch, step, values);
        if (tensorBoard != null) {
            values.forEach((k, v) -> scalar(k.equals("lr") || k.equals("samples_per_s") ? k : MetricNames.training(k), step, v));
            tensorBoard.flush();
        }
    }

    public void valid(int epoch, long step, Map<String, Double> values) {
        metrics.append("valid", epoch, step, values);
        if (tensorBoard != null) {
            values.forEach((k, v) -> scalar(MetricNames.validation(k), step, v));
            tensorBoard.flush();
        }
    }

    private void scalar(String tag, long step, Object v) {
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            tensorBoard.scalar(tag, step, n.doubleValue());
        }
    }

    /** Where each output is, for the run summary. */
    public Map<String, String> outputs() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("metrics", metrics.path().toString());
        out.put("curves", dir.path(CURVES).toString());
        if (tensorBoard != null) {
            out.put("tensorboard", tensorBoard.dir() + " (tensorboard --logdir " + tensorBoard.dir().getParent() + ")");
        }
        return out;
    }

    /** The best value of each validation metric and its step: lowest for losses (and perplexity, bits per byte), highest for the rest. */
    public Map<String, double[]> bestValid() {
        Map<String, double[]> best = new LinkedHashMap<>();
        for (JsonNode row : validRows()) {
            row.fields().forEachRemaining(e -> {
                String k = e.getKey();
                if (k.equals("split") || k.equals("epoch") || k.equals("step") || !e.getValue().isNumber()) {
                    return;
                }
                double v = e.getValue().asDouble();
                boolean lower = dev.attnspark.job.config.MetricNames.lowerIsBetter(k);
                double[] b = best.get(k);
                if (b == null || (lower ? v < b[0] : v > b[0])) {
                    best.put(k, new double[] {v, row.get("step").asLong()});
                }
            });
        }
        return best;
    }

    private List<JsonNode> validRows() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode r : metrics.rows()) {
            if (r.path("split").asText().equals("valid")) {
                out.add(r);
            }
        }
        return out;
    }

    /** Closes the event file and draws the curves of everything the run has logged so far. */
    @Override
    public void close() {
        if (tensorBoard != null) {
            tensorBoard.close();
        }
        if (metrics.rows().isEmpty()) {
            return;
        }
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            Curves.plot(List.of(Curves.read(metrics.path(), dir.root().getName(), dir.conf())), png);
            dir.writeAtomically(dir.path(CURVES), png::writeTo);
        } catch (Exception e) {
            // the curves are a convenience: a failure to draw them must not hide how the run ended
            log.warn("could not draw {}: {}", dir.path(CURVES), e.toString());
        }
    }
}
