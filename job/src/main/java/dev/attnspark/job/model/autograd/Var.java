package dev.attnspark.job.model.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.Supplier;

/**
 * A value computed on a {@link Tape}, and after {@link Tape#backward} the gradient of the loss with respect to it.
 * Parameters accumulate their gradient straight into the gradient view DL4J owns, so a parameter used several
 * times (perceiver-io's shared {@code cross_attn_n} and {@code self_attn_n}) gets the sum over its uses.
 */
public final class Var {
    final Tape tape;
    final INDArray value;
    final boolean requiresGrad;
    INDArray grad;
    /**
     * For parameters: supplies the gradient view to accumulate into, looked up when the first gradient arrives (DL4J
     * may create its gradient views only at backprop time).
     */
    final Supplier<INDArray> gradSink;

    Var(Tape tape, INDArray value, boolean requiresGrad, Supplier<INDArray> gradSink) {
        this.tape = tape;
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.gradSink = gradSink;
    }

    public INDArray value() {
        return value;
    }

    /** The accumulated gradient, or null if nothing flowed back to this var. */
    public INDArray grad() {
        return grad;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public long[] shape() {
        return value.shape();
    }

    public long size(int dim) {
        return value.size(dim);
    }

    Tape tape() {
        return tape;
    }
}
