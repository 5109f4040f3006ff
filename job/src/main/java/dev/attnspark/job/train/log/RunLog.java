package dev.attnspark.job.train.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.job.checkpoint.RunDir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run writes about its progress: {@code metrics.jsonl} (the record, resumable), TensorBoard event
 * files (when {@code trainer.logger} asks for them) and, at the end, curves of loss and validation metrics.
 */
public final class RunLog implements AutoCloseable {
    private final MetricsLog metrics;

    private RunLog(MetricsLog metrics) {
        this.metrics = metrics;
    }

    /** A fresh log, or with {@code resumedAt >= 0} the log of a run continued from a checkpoint at that step. */
    public static RunLog open(RunDir dir, long resumedAt) {
        return new RunLog(resumedAt >= 0 ? MetricsLog.resume(dir, resumedAt) : MetricsLog.create(dir));
    }

    public void train(int epoch, long step, Map<String, ?> values) {
        metrics.append("train", epoch, step, values);
    }

    public void valid(int epoch, long step, Map<String, Double> values) {
        metrics.append("valid", epoch, step, values);
    }

    /** Where each output is, for the run summary. */
    public Map<String, String> outputs() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("metrics", metrics.path().toString());
        return out;
    }

    /** The best value of each validation metric and its step: lowest for losses, highest for the rest. */
    public Map<String, double[]> bestValid() {
        Map<String, double[]> best = new LinkedHashMap<>();
        for (JsonNode row : validRows()) {
            row.fields().forEachRemaining(e -> {
                String k = e.getKey();
                if (k.equals("split") || k.equals("epoch") || k.equals("step") || !e.getValue().isNumber()) {
                    return;
                }
                double v = e.getValue().asDouble();
                boolean lower = k.contains("loss") || k.contains("perplexity");
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

    @Override
    public void close() {
    }
}
