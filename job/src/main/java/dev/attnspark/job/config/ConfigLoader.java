package dev.attnspark.job.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a YAML run configuration, applies command-line overrides in dotted form
 * ({@code --model.encoder.num_cross_attention_layers=2}), binds each section to its class and validates it. Unknown
 * keys and bad values fail with the key named as the user would type it.
 */
public final class ConfigLoader {
    /** Top-level sections, as in perceiver-io's Lightning CLI, plus {@code spark}. */
    public static final List<String> SECTIONS = List.of("task", "model", "data", "optimizer", "lr_scheduler", "trainer",
            "spark");
    /** Map-valued keys whose own keys contain dots (Spark properties): the rest of the override is one key. */
    private static final Set<String> MAPS = Set.of("spark.conf");
    /**
     * Names of keys whose values are redacted in logs and in a run's config.yaml. "token" only as a word of its own
     * ({@code fs.s3a.session.token}, {@code hf_token}, {@code sessionToken}): {@code data.tokenizer} and
     * {@code data.add_special_tokens} are settings, and a resumed or evaluated run must read them back, as are token
     * ids ({@code model.image_token_id}); so is
     * {@code fs.s3a.aws.credentials.provider} (a class name).
     */
    private static final Pattern SECRET = Pattern.compile("(?i).*(secret|password|passwd|"
            + "credential(?!s?[._-]?provider)|access[._-]?key|private[._-]?key|api[._-]?key|account[._-]key|"
            + "(?<!(eos|bos|pad|unk|sep|cls|mask)[._-]?)token(?![a-z]|[._-]?ids?(?![a-z]))).*");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    /**
     * Sections that Lightning's CLI also accepts as a class name ({@code --trainer.logger=TensorBoardLogger}), or
     * {@code false} for none, before their own keys ({@code --trainer.logger.save_dir=logs}).
     */
    private static final Set<String> CLASS_SECTIONS = Set.of("trainer.logger");

    /** The task-specific parts of the schema: the classes of the {@code model} and {@code data} sections. */
    public interface Schema {
        Collection<String> tasks();

        Class<?> modelConfig(String task);

        Class<? extends DataConfig> dataConfig(String task);

        /**
         * Sets the model keys that follow the data (as perceiver-io's CLI links {@code data.max_seq_len} to
         * {@code model.encoder.max_seq_len}), then validates the model configuration; throws
         * {@link IllegalArgumentException} naming {@code model.*} keys.
         */
        void linkAndValidateModel(String task, Object model, DataConfig data);
    }

    private ConfigLoader() {}

    /**
     * Reads a YAML file from any Hadoop file system. A path without a scheme is a local file, as on any command line,
     * even when the cluster's default file system is HDFS.
     */
    public static ObjectNode read(String path) {
        Path p = new Path(path);
        Configuration hadoop = HadoopConf.of(Map.of());
        try (InputStream in = (p.toUri().getScheme() == null ? FileSystem.getLocal(hadoop) : p.getFileSystem(hadoop))
                .open(p)) {
            JsonNode node = YAML.readTree(in);
            if (node == null || node.isMissingNode() || node.isNull()) {
                return YAML.createObjectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException(path + ": a configuration must be a YAML mapping of sections");
            }
            return (ObjectNode) node;
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigException(path + ": no such configuration file", e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(path + ": not valid YAML: " + firstLine(e.getOriginalMessage()).strip()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Applies {@code --dotted.key=value} overrides; values are parsed as YAML scalars or flow lists. */
    public static void applyOverrides(ObjectNode tree, List<String> args) {
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new ConfigException("cannot read '" + arg + "': configuration overrides are --section.key=value");
            }
            String key = arg.substring(2, arg.indexOf('='));
            String raw = arg.substring(arg.indexOf('=') + 1);
            String[] parts = split(key);
            if (!SECTIONS.contains(parts[0])) {
                throw new ConfigException("unknown configuration key '" + key + "': sections are " + SECTIONS);
            }
            ObjectNode node = tree;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = node.get(parts[i]);
                String sectionKey = String.join(".", List.of(parts).subList(0, i + 1));
                if (CLASS_SECTIONS.contains(sectionKey) && child != null && child.isValueNode()) {
                    child = classSection(child);
                    node.set(parts[i], child);
                }
                if (child == null || child.isNull()) {
                    child = node.putObject(parts[i]);
                } else if (!child.isObject()) {
                    throw new ConfigException("unknown configuration key '" + key + "': "
                            + String.join(".", List.of(parts).subList(0, i + 1)) + " is a value, not a section");
                }
                node = (ObjectNode) child;
            }
            node.set(parts[parts.length - 1], parseValue(raw));
        }
    }

    /** {@code TensorBoardLogger} as {@code {class_path: TensorBoardLogger}}; {@code false} or null as no class. */
    private static ObjectNode classSection(JsonNode scalar) {
        ObjectNode section = YAML.createObjectNode();
        if (scalar.isTextual()) {
            section.put("class_path", scalar.asText());
        } else if (scalar.isNull() || scalar.isBoolean() && !scalar.asBoolean()) {
            section.putNull("class_path");
        } else if (!(scalar.isBoolean() && scalar.asBoolean())) {
            throw new ConfigException("bad value for a class section: " + scalar + " (a class name, true or false)");
        }
        return section;
    }

    /** Replaces class-name scalars of {@link #CLASS_SECTIONS} by their sections, wherever the tree came from. */
    private static void normalizeClassSections(ObjectNode tree) {
        for (String key : CLASS_SECTIONS) {
            String[] parts = key.split("\\.");
            JsonNode parent = tree;
            for (int i = 0; i < parts.length - 1 && parent != null; i++) {
                parent = parent.get(parts[i]);
            }
            if (parent instanceof ObjectNode p && p.get(parts[parts.length - 1]) != null
                    && p.get(parts[parts.length - 1]).isValueNode()) {
                p.set(parts[parts.length - 1], classSection(p.get(parts[parts.length - 1])));
            }
        }
    }

    private static String[] split(String key) {
        for (String map : MAPS) {
            if (key.startsWith(map + ".") && key.length() > map.length() + 1) {
                String[] head = map.split("\\.");
                String[] out = java.util.Arrays.copyOf(head, head.length + 1);
                out[head.length] = key.substring(map.length() + 1);
                return out;
            }
        }
        return key.split("\\.");
    }

    private static JsonNode parseValue(String raw) {
        if (raw.isEmpty()) {
            return NullNode.instance;
        }
        try {
            JsonNode v = YAML.readTree(raw);
            return v == null || v.isMissingNode() ? TextNode.valueOf(raw) : v;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(raw);
        }
    }

    /** Binds and validates every section. */
    public static JobConfig bind(ObjectNode tree, Schema schema) {
        normalizeClassSections(tree);
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String s = it.next();
            if (!SECTIONS.contains(s)) {
                throw new ConfigException("unknown configuration section '" + s + "'" + suggest(s, SECTIONS)
                        + "; sections are " + SECTIONS);
            }
        }
        JsonNode taskNode = tree.get("task");
        if (taskNode == null || !taskNode.isTextual()) {
            throw new ConfigException("task is not set; one of " + schema.tasks());
        }
        String task = taskNode.asText();
        if (!schema.tasks().contains(task)) {
            throw new ConfigException("unknown task '" + task + "'" + suggest(task, schema.tasks()) + "; tasks are "
                    + schema.tasks());
        }
        Object model = section(tree, "model", schema.modelConfig(task));
        DataConfig data = section(tree, "data", schema.dataConfig(task));
        OptimizerConfig optimizer = section(tree, "optimizer", OptimizerConfig.class);
        LrSchedulerConfig lrScheduler = section(tree, "lr_scheduler", LrSchedulerConfig.class);
        TrainerConfig trainer = section(tree, "trainer", TrainerConfig.class);
        SparkConfig spark = section(tree, "spark", SparkConfig.class);
        data.validate();
        try {
            schema.linkAndValidateModel(task, model, data);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        optimizer.validate();
        lrScheduler.validate();
        trainer.validate();
        spark.validate();

        ObjectNode resolved = YAML.createObjectNode();
        resolved.put("task", task);
        resolved.set("model", YAML.valueToTree(model));
        resolved.set("data", YAML.valueToTree(data));
        resolved.set("optimizer", YAML.valueToTree(optimizer));
        resolved.set("lr_scheduler", YAML.valueToTree(lrScheduler));
        resolved.set("trainer", YAML.valueToTree(trainer));
        resolved.set("spark", YAML.valueToTree(spark));
        return new JobConfig(task, model, data, optimizer, lrScheduler, trainer, spark, resolved);
    }

    /** Reads, overrides and binds in one go. */
    public static JobConfig load(String path, List<String> overrides, Schema schema) {
        ObjectNode tree = read(path);
        applyOverrides(tree, overrides);
        return bind(tree, schema);
    }

    private static <T> T section(ObjectNode tree, String name, Class<T> type) {
        JsonNode node = tree.get(name);
        if (node == null || node.isNull()) {
            node = YAML.createObjectNode();
        }
        if (!node.isObject()) {
            throw new ConfigException(name + " must be a section (a mapping of keys), got " + node);
        }
        try {
            return YAML.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            String key = name + "." + path(e);
            Collection<String> known = e.getKnownPropertyIds().stream().map(Object::toString).toList();
            throw new ConfigException("unknown configuration key '" + key + "'" + suggest(e.getPropertyName(), known),
                    e);
        } catch (MismatchedInputException e) {
            String key = name + "." + path(e);
            throw new ConfigException("bad value for '" + key + "': " + expected(e.getTargetType(), e), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("bad value in section '" + name + "': " + firstLine(e.getOriginalMessage()), e);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("bad value in section '" + name + "': " + firstLine(e.getMessage()), e);
        }
    }

    /** What a value of {@code type} looks like, in the words of a configuration file rather than of Java. */
    private static String expected(Class<?> type, MismatchedInputException e) {
        String got = e.getProcessor() != null ? " " + describeToken(e) : "";
        if (type == null) {
            return firstLine(e.getOriginalMessage());
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "expected a whole number" + got;
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "expected a number" + got;
        }
        if (type == boolean.class || type == Boolean.class) {
            return "expected true or false" + got;
        }
        if (type == String.class) {
            return "expected a text value" + got;
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "expected a list such as [1, 2]" + got;
        }
        if (Map.class.isAssignableFrom(type)) {
            return "expected a mapping of keys to values" + got;
        }
        Map<String, String> byField = new java.util.HashMap<>();
        YAML.getDeserializationConfig().introspect(YAML.constructType(type)).findProperties().forEach(p -> {
            if (p.getField() != null) {
                byField.put(p.getField().getName(), p.getName());
            }
        });
        List<String> keys = new java.util.ArrayList<>();
        List<Class<?>> hierarchy = new java.util.ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.add(0, c);
        }
        for (Class<?> c : hierarchy) {
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                if (byField.containsKey(f.getName())) {
                    keys.add(byField.get(f.getName()));
                }
            }
        }
        return "this is a section, not a value" + got + "; set its keys instead: " + String.join(", ", keys);
    }

    private static String describeToken(MismatchedInputException e) {
        try {
            com.fasterxml.jackson.core.JsonParser p = (com.fasterxml.jackson.core.JsonParser) e.getProcessor();
            com.fasterxml.jackson.core.JsonToken t = p.currentToken();
            if (t == null) {
                return "";
            }
            return switch (t) {
                case VALUE_NULL -> "(got null)";
                case START_OBJECT, FIELD_NAME -> "(got a section)";
                case START_ARRAY -> "(got a list)";
                default -> "(got " + p.getText() + ")";
            };
        } catch (IOException | ClassCastException ex) {
            return "";
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** " (did you mean x?)" for the closest known name, if it is close. */
    static String suggest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = levenshtein(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 3) ? " (did you mean " + best + "?)" : "";
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1),
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** YAML of a configuration tree, with secret-looking values replaced. */
    public static String toYaml(ObjectNode tree) {
        ObjectNode copy = tree.deepCopy();
        redact(copy);
        try {
            return YAML.writeValueAsString(copy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses YAML text into a tree (e.g. a run's {@code config.yaml}). */
    public static ObjectNode parse(String yaml, String source) {
        try {
            JsonNode n = YAML.readTree(yaml);
            if (n == null || !n.isObject()) {
                throw new ConfigException(source + ": not a configuration mapping");
            }
            return (ObjectNode) n;
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static void redact(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (SECRET.matcher(e.getKey()).matches() && e.getValue().isValueNode() && !e.getValue().isNull()) {
                    e.setValue(TextNode.valueOf("***redacted***"));
                } else {
                    redact(e.getValue());
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(ConfigLoader::redact);
        }
    }

    /** Whether a property name looks like it holds a secret (for logs). */
    public static boolean isSecret(String key) {
        return SECRET.matcher(key).matches();
    }

    static Set<String> sections() {
        return Set.copyOf(SECTIONS);
    }
}
