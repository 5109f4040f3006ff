package dev.attnspark.job.model.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.fuyu.FuyuType;
import dev.attnspark.job.model.perceiverar.CausalLanguageModelType;
import dev.attnspark.job.model.perceiverio.ImageClassifierType;
import dev.attnspark.job.model.perceiverio.TextModelTypes;

import java.io.File;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The model types by name: the one list a new model family is added to. */
public final class ModelTypes {
    private static final Map<String, ModelType<?>> TYPES = new LinkedHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static {
        register(ImageClassifierType.INSTANCE);
        register(TextModelTypes.MLM);
        register(TextModelTypes.CLASSIFIER);
        register(CausalLanguageModelType.INSTANCE);
        register(FuyuType.INSTANCE);
    }

    private ModelTypes() {}

    private static void register(ModelType<?> t) {
        TYPES.put(t.name(), t);
    }

    public static Set<String> names() {
        return Collections.unmodifiableSet(TYPES.keySet());
    }

    public static ModelType<?> get(String name) {
        ModelType<?> t = TYPES.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown model type '" + name + "'; known: "
                    + String.join(", ", TYPES.keySet()));
        }
        return t;
    }

    /** Builds a model from its configuration as JSON (as stored in a DL4J layer configuration). */
    public static Model fromJson(String type, String configJson) {
        ModelType<?> t = get(type);
        try {
            return t.build(JSON.readValue(configJson, t.configClass()));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid " + type + " configuration: " + e.getOriginalMessage(), e);
        }
    }

    /** Reads a configuration file (e.g. a fixture's {@code config.json}) of {@code type}. */
    public static <C> C readConfig(ModelType<C> type, File file) throws IOException {
        com.fasterxml.jackson.databind.JsonNode tree = JSON.readTree(file);
        C upstream;
        try {
            upstream = type.upstreamConfig(tree);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return upstream != null ? upstream : JSON.treeToValue(tree, type.configClass());
    }

    public static String toJson(Object config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
