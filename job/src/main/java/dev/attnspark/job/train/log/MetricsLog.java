package dev.attnspark.job.train.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.checkpoint.RunDir;
import org.apache.hadoop.fs.Path;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line ({@code split}, {@code epoch}, {@code step}, {@code loss}, task
 * metrics...). The file is rewritten atomically on every row, which also works on object stores without append.
 */
public final class MetricsLog {
    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RunDir dir;
    private final List<String> lines = new ArrayList<>();

    private MetricsLog(RunDir dir) {
        this.dir = dir;
    }

    /** A fresh log (an existing file is replaced on the first row). */
    public static MetricsLog create(RunDir dir) {
        return new MetricsLog(dir);
    }

    /** Continues an existing log from a checkpoint at {@code step}: rows written after it are dropped. */
    public static MetricsLog resume(RunDir dir, long step) {
        MetricsLog log = new MetricsLog(dir);
        if (dir.exists(FILE)) {
            for (String line : dir.readText(FILE).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode row = JSON.readTree(line);
                    if (row.path("step").asLong(Long.MAX_VALUE) <= step) {
                        log.lines.add(line);
                    }
                } catch (JsonProcessingException e) {
                    // a torn last line cannot happen with atomic rewrites; skip anything unreadable
                }
            }
        }
        return log;
    }

    /** The rows so far (this run's and, when resumed, those before it), parsed. */
    public List<JsonNode> rows() {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines) {
            try {
                out.add(JSON.readTree(line));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    public Path path() {
        return dir.path(FILE);
    }

    public void append(String split, int epoch, long step, Map<String, ?> values) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("split", split);
        row.put("epoch", epoch);
        row.put("step", step);
        values.forEach((k, v) -> row.put(k, v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v));
        try {
            lines.add(JSON.writeValueAsString(row));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        dir.writeText(FILE, String.join("\n", lines) + "\n");
    }
}
