package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a checkpoint's configuration lets a user change. {@code train --resume} continues the checkpointed run
 * exactly, so its configuration governs: only how long the run goes on, what it logs and checkpoints, where the data
 * is and where Spark runs may differ; {@code evaluate} may read other data with other Spark settings, but scores the
 * checkpoint's model. Any other difference is an error naming the keys.
 */
public final class ResumePolicy {
    /** Keys (or sections, ending in '.') whose values may differ from the checkpoint's on {@code train --resume}. */
    public static final List<String> MAY_CHANGE_ON_RESUME = List.of("trainer.max_epochs", "trainer.max_steps",
            "trainer.output_dir", "trainer.log_every_n_steps", "trainer.checkpoint_every_n_steps",
            "trainer.keep_checkpoints", "trainer.check_val_every_n_epoch", "trainer.limit_val_batches",
            "trainer.round_timeout_s", "trainer.logger.", "trainer.checkpoint.", "trainer.early_stopping.",
            "data.dataset_dir", "spark.master", "spark.app_name", "spark.num_workers", "spark.workers_per_node",
            "spark.port", "spark.controller_address", "spark.network_mask", "spark.conf.");
    /** The same for {@code evaluate}. */
    public static final List<String> MAY_CHANGE_ON_EVALUATE = List.of("data.", "spark.", "trainer.limit_val_batches");
    private static final String REDACTED = "***redacted***";

    private ResumePolicy() {}

    /**
     * The configuration to continue with: the checkpoint's, with the requested values of the keys that may change.
     *
     * @param checkpoint the checkpoint's resolved configuration ({@code config.yaml})
     * @param requested  what the command line asks for (a configuration file and overrides, or the checkpoint's
     *                   configuration with overrides)
     * @param allowed    {@link #MAY_CHANGE_ON_RESUME} or {@link #MAY_CHANGE_ON_EVALUATE}
     * @param verb       for the message: "train --resume" or "evaluate"
     */
    public static JobConfig apply(ObjectNode checkpoint, ObjectNode requested, ConfigLoader.Schema schema,
                                  List<String> allowed, String verb) {
        ObjectNode base = checkpoint.deepCopy();
        dropRedacted(base);
        JobConfig have = ConfigLoader.bind(base, schema);
        ObjectNode asked = requested.deepCopy();
        dropRedacted(asked);
        JobConfig want = ConfigLoader.bind(asked, schema);
        Map<String, JsonNode> a = flatten(have.tree()), b = flatten(want.tree());
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        List<String> refused = new ArrayList<>();
        ObjectNode merged = have.tree().deepCopy();
        for (String key : keys) {
            JsonNode x = a.get(key), y = b.get(key);
            if (x != null && x.equals(y)) {
                continue;
            }
            if (allowed.stream().anyMatch(p -> p.endsWith(".") ? key.startsWith(p) : key.equals(p))) {
                set(merged, key, y);
            } else {
                refused.add(key + " (" + text(x) + " -> " + text(y) + ")");
            }
        }
        if (!refused.isEmpty()) {
            throw new ConfigException(verb + ": the checkpoint's configuration governs, and these keys differ from it: "
                    + String.join(", ", refused) + ". Keys that may change: " + describe(allowed)
                    + (verb.startsWith("train") ? "; to train with other settings, start a new run in another "
                    + "trainer.output_dir" : ""));
        }
        return ConfigLoader.bind(merged, schema);
    }

    /** The keys as a user reads them: sections as {@code trainer.logger.*}. */
    public static String describe(List<String> keys) {
        return String.join(", ", keys.stream().map(k -> k.endsWith(".") ? k + "*" : k).toList());
    }

    private static String text(JsonNode n) {
        return n == null ? "unset" : n.isTextual() ? n.asText() : n.toString();
    }

    /** Leaves by dotted key; lists are leaves; {@code spark.conf} entries are {@code spark.conf.<property>}. */
    static Map<String, JsonNode> flatten(JsonNode tree) {
        Map<String, JsonNode> out = new TreeMap<>();
        flatten("", tree, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject() && (node.size() > 0 || prefix.isEmpty())) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (!node.isObject()) {
            out.put(prefix, node);
        }
    }

    private static void set(ObjectNode tree, String key, JsonNode value) {
        String[] parts = key.startsWith("spark.conf.") ? new String[] {"spark", "conf", key.substring(11)}
                : key.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            node = child instanceof ObjectNode o ? o : node.putObject(parts[i]);
        }
        if (value == null) {
            node.remove(parts[parts.length - 1]);
        } else {
            node.set(parts[parts.length - 1], value);
        }
    }

    /** Secrets were redacted when the checkpoint was written; they come from the environment or the overrides. */
    private static void dropRedacted(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            obj.fields().forEachRemaining(e -> dropRedacted(e.getValue()));
            List<String> gone = new ArrayList<>();
            obj.fields().forEachRemaining(e -> {
                if (REDACTED.equals(e.getValue().asText(null)) && e.getValue().isTextual()) {
                    gone.add(e.getKey());
                }
            });
            gone.forEach(obj::remove);
        }
    }
}
