package dev.attnspark.job.model.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.model.Model;

import java.util.List;

/** The model types by name, and how to build each from its upstream-named JSON configuration. */
public final class Models {
    public static final String PERCEIVER_IO_IMAGE_CLASSIFIER = "perceiver-io-image-classifier";
    public static final List<String> TYPES = List.of(PERCEIVER_IO_IMAGE_CLASSIFIER);

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Models() {}

    /** The configuration class of a model type. */
    public static Class<?> configClass(String type) {
        return switch (type) {
            case PERCEIVER_IO_IMAGE_CLASSIFIER -> ImageClassifierConfig.class;
            default -> throw unknown(type);
        };
    }

    /** Builds a model from its configuration object (validated). */
    public static Model create(String type, Object config) {
        return switch (type) {
            case PERCEIVER_IO_IMAGE_CLASSIFIER -> new ImageClassifier(((ImageClassifierConfig) config).validate("model."));
            default -> throw unknown(type);
        };
    }

    /** Builds a model from its configuration as JSON (as stored in a DL4J layer configuration). */
    public static Model fromJson(String type, String configJson) {
        try {
            return create(type, JSON.readValue(configJson, configClass(type)));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid " + type + " configuration: " + e.getOriginalMessage(), e);
        }
    }

    public static String toJson(Object config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IllegalArgumentException unknown(String type) {
        return new IllegalArgumentException("unknown model type '" + type + "'; known: " + String.join(", ", TYPES));
    }
}
