package dev.attnspark.job.model;

import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * A model as the DL4J layer hosts it: named parameters and a forward pass from the layer's input array to its output
 * array. Models know nothing of Spark or DL4J, so a model can be built, loaded and checked against an upstream
 * fixture in a plain unit test.
 */
public interface Model {

    /** Every trainable parameter, in a fixed order. */
    List<ParamSpec> parameters();

    /**
     * The forward pass.
     *
     * @param tape  records the pass for backprop (parameters come from {@link Tape#param})
     * @param input the layer input, one row per example, as the model's {@link #inputSize} describes it
     * @return the layer output, one row per example
     */
    Var forward(Tape tape, INDArray input);

    /** Number of values per example the model expects as input (flattened). */
    long inputSize();

    /** Number of values per example the model outputs (flattened). */
    long outputSize();

    /**
     * Non-trainable buffers upstream checkpoints carry (e.g. {@code position_encoding}), as this model computes them;
     * importing a checkpoint checks that its buffers agree.
     */
    default Map<String, INDArray> buffers() {
        return Map.of();
    }

    /**
     * The top-level modules by parameter-name prefix, with their upstream class names, for the model summary
     * (e.g. {@code 0} → {@code PerceiverEncoder}); parameters outside them are summed under their first name part.
     */
    default Map<String, String> modules() {
        return Map.of();
    }

    /** Whether DL4J needs dL/dInput from this model (false when the input is data, e.g. pixels or token ids). */
    default boolean inputNeedsGradient() {
        return false;
    }
}
