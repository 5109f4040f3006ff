package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a run's metrics.jsonl in tests. */
final class MetricsFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsFiles() {}

    static List<JsonNode> rows(Path run, String split) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode row = JSON.readTree(line);
            if (row.get("split").asText().equals(split)) {
                out.add(row);
            }
        }
        return out;
    }
}
