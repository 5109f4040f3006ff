package dev.attnspark.job.model;

import dev.attnspark.job.model.autograd.Tape;

import java.util.List;
import java.util.Map;

/**
 * A model as the DL4J layer hosts it: named parameters and a forward pass from a batch of named arrays to its
 * outputs and loss. Models know nothing of Spark or DL4J, so a model can be built, loaded and checked against an
 * upstream fixture in a plain unit test.
 */
public interface Model {

    /** Every trainable parameter, in a fixed order. */
    List<ParamSpec> parameters();

    /** The names of the batch arrays the forward pass reads besides the labels, e.g. {@code input_ids, pad_mask}. */
    List<String> inputs();

    /**
     * The forward pass, and the loss when the batch has {@link Batch#LABELS}.
     *
     * @param tape  records the pass for backprop (parameters come from {@link Tape#param})
     * @param batch the arrays named by {@link #inputs}, one row per example, and optionally the labels
     */
    Output forward(Tape tape, Batch batch);

    /**
     * Non-trainable buffers upstream checkpoints carry (e.g. {@code position_encoding}), as this model computes them;
     * importing a checkpoint checks that its buffers agree.
     */
    default Map<String, org.nd4j.linalg.api.ndarray.INDArray> buffers() {
        return Map.of();
    }

    /**
     * The top-level modules by parameter-name prefix, with their upstream class names, for the model summary
     * (e.g. {@code 0} → {@code PerceiverEncoder}); parameters outside them are summed under their first name part.
     */
    default Map<String, String> modules() {
        return Map.of();
    }
}
