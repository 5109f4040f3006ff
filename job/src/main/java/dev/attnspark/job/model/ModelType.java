package dev.attnspark.job.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Everything the job needs to know about one kind of model, in one place: its configuration class (the
 * {@code model:} section, with upstream's field names), how to build it, how upstream names its weights, what a
 * reference fixture feeds it, what a random batch for the benchmark looks like, and which parameters its
 * configuration freezes. The configuration loader, the trainer, {@code reference-check} and {@code benchmark} all
 * read this descriptor, so a new model family is one descriptor, one model package and one configuration file.
 *
 * @param <C> the configuration class
 */
public interface ModelType<C> {

    /** The name configurations and {@code --model-type} use, e.g. {@code perceiver-io-mlm}. */
    String name();

    Class<C> configClass();

    /**
     * Checks a configuration and fills in what upstream derives (e.g. channels that default to others).
     *
     * @param keyPrefix prefixed to the keys named in {@link IllegalArgumentException} messages ({@code model.})
     */
    C validate(C config, String keyPrefix);

    /** Builds the model from a validated configuration. */
    Model create(C config);

    /**
     * A configuration from an upstream {@code config.json} (a fixture's, a checkpoint's) for types whose upstream
     * file is not their configuration class (Hugging Face's nested, permissive files); null: the file is read
     * strictly as {@link #configClass}.
     */
    default C upstreamConfig(com.fasterxml.jackson.databind.JsonNode json) {
        return null;
    }

    /**
     * A configuration as upstream writes it ({@code config.json} of a Hugging Face checkpoint), for exports; null:
     * the configuration class itself, as JSON, is the upstream file.
     */
    default com.fasterxml.jackson.databind.JsonNode toUpstreamConfig(C config) {
        return null;
    }

    /**
     * Parameter-name prefixes upstream checkpoints use where this model's names differ, upstream prefix to ours
     * (the {@code backend_model.} and {@code model.} wrappers of perceiver-io's exports are understood for all).
     */
    default Map<String, String> renames() {
        return Map.of();
    }

    /**
     * The batch a reference fixture's {@code io.safetensors} gives the model (inputs and labels under the names the
     * model reads), as {@code reference-check} feeds it.
     */
    Batch fixtureBatch(Map<String, INDArray> io, C config);

    /** A fixture's tensor; an error naming what the fixture has if there is none. */
    static INDArray fixtureTensor(Map<String, INDArray> io, String name) {
        INDArray a = io.get(name);
        if (a == null) {
            throw new IllegalArgumentException("the fixture has no tensor '" + name + "' (it has "
                    + java.util.Arrays.toString(io.keySet().toArray()) + ")");
        }
        return a;
    }

    /** The name of the fixture tensor holding the expected model output. */
    default String fixtureOutput() {
        return "logits";
    }

    /** A batch of the right shapes and value ranges (random), for the benchmark. */
    Batch randomBatch(C config, int batchSize, long seed);

    /**
     * Weights a fresh model starts from, in loading order (later ones overwrite earlier ones): perceiver-io's
     * {@code model.params} (the whole model) and {@code model.encoder.params} (the encoder only). None by default.
     */
    default List<Start> startingWeights(C config) {
        return List.of();
    }

    /**
     * Where some of a fresh model's weights come from.
     *
     * @param key    the configuration key that named it, for messages (e.g. {@code model.encoder.params})
     * @param path   a checkpoint or run folder of this job, or safetensors (a file, an index, or a folder of them)
     * @param prefix only parameters whose names start with this are loaded ({@code ""}: all)
     */
    record Start(String key, String path, String prefix) {}

    /**
     * An upstream checkpoint (one of the {@link #startingWeights}) whose files the frozen parameters are read from in
     * place, by every JVM, instead of being initialized, copied into the network and published with the run; null
     * when the frozen values are the network's own.
     */
    default String frozenBase(C config) {
        return null;
    }

    /** Parameter-name prefixes that are not trained, as the configuration's {@code freeze} keys say. */
    List<String> frozenPrefixes(C config);

    /** Whether decoupled weight decay applies to a parameter (all by default, as perceiver-io's AdamW). */
    default boolean decays(String param) {
        return true;
    }

    /** {@link #validate} and {@link #create} for a configuration object of unchecked type. */
    default Model build(Object config) {
        return create(validate(configClass().cast(config), "model."));
    }
}
