package dev.attnspark.job.train;

import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parameters per top-level module, trainable and frozen, as Lightning's {@code ModelSummary} prints them. */
public final class ModelSummary {
    /** One top-level module: its parameter-name prefix, upstream class, and parameter counts. */
    public record Row(String name, String type, long trainable, long frozen) {}

    private ModelSummary() {}

    public static List<Row> rows(ComputationGraph net) {
        ModelLayer layer = Graphs.modelLayer(net);
        Model model = layer.model();
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (ParamSpec p : model.parameters()) {
            String module = p.name().contains(".") ? p.name().substring(0, p.name().indexOf('.')) : p.name();
            long[] c = counts.computeIfAbsent(module, k -> new long[2]);
            c[layer.isFrozen(p.name()) ? 1 : 0] += p.length();
        }
        List<Row> rows = new ArrayList<>();
        counts.forEach((name, c) -> rows.add(new Row(name, model.modules().getOrDefault(name, "-"), c[0], c[1])));
        return rows;
    }

    /** The table, then the totals. */
    public static List<String> lines(String modelName, ComputationGraph net) {
        List<Row> rows = rows(net);
        int typeWidth = Math.max(4, rows.stream().mapToInt(r -> r.type().length()).max().orElse(4));
        int nameWidth = Math.max(5, rows.stream().mapToInt(r -> r.name().length() + 1).max().orElse(5));
        String format = "%-3s| %-" + nameWidth + "s| %-" + typeWidth + "s | %13s | %13s";
        List<String> out = new ArrayList<>();
        out.add("model " + modelName + ":");
        out.add(String.format(Locale.ROOT, format, "", "Name", "Type", "Trainable", "Frozen"));
        out.add("-".repeat(String.format(Locale.ROOT, format, "", "", "", "", "").length()));
        long trainable = 0, frozen = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            out.add(String.format(Locale.ROOT, format, i, r.name(), r.type(), count(r.trainable()), count(r.frozen())));
            trainable += r.trainable();
            frozen += r.frozen();
        }
        out.add(String.format(Locale.ROOT, "%s trainable params, %s frozen, %s in all (%.1f MB as float32)",
                count(trainable), count(frozen), count(trainable + frozen), (trainable + frozen) * 4 / 1e6));
        return out;
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
