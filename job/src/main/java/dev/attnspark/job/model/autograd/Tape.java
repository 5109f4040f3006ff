package dev.attnspark.job.model.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Records the operations of one forward pass so that {@link #backward} can run them in reverse: a minimal
 * reverse-mode autodiff over ND4J arrays. Ops are fused (linear, layer norm, attention), so a Perceiver layer is a
 * handful of recorded steps, and each step's backward is hand-written and checked against finite differences.
 *
 * <p>In inference ({@code recording == false}) nothing is recorded and no gradient is ever computed.
 */
public final class Tape implements AutoCloseable {
    private final boolean training;
    private final boolean recording;
    private final List<Step> steps = new ArrayList<>();
    private final List<INDArray> owned = new ArrayList<>();
    private final ParamSource params;

    /** Where a tape finds parameter values and the gradient views to accumulate into. */
    public interface ParamSource {
        /** The value of a parameter, or null if there is none of that name. */
        INDArray value(String name);

        /** Whether a parameter gets a gradient (false when frozen). */
        boolean trainable(String name);

        /** The gradient view of a trainable parameter; asked for when backprop reaches the parameter. */
        INDArray grad(String name);
    }

    private record Step(Var out, Runnable backward) {}

    /**
     * @param training  whether dropout is active
     * @param recording whether to record steps for {@link #backward}
     * @param params    parameter values and gradient views
     */
    public Tape(boolean training, boolean recording, ParamSource params) {
        this.training = training;
        this.recording = recording;
        this.params = params;
    }

    /** A tape for inference and tests: no dropout, no recording, parameters looked up in {@code params}. */
    public static Tape inference(ParamSource params) {
        return new Tape(false, false, params);
    }

    public boolean training() {
        return training;
    }

    public boolean recording() {
        return recording;
    }

    /** The var of a named parameter (upstream name, e.g. {@code cross_attn_1.0.module.q_norm.weight}). */
    public Var param(String name) {
        INDArray value = params.value(name);
        if (value == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return new Var(this, value, recording && params.trainable(name), () -> params.grad(name));
    }

    /** A leaf that needs no gradient (data, position encodings). */
    public Var constant(INDArray value) {
        return new Var(this, value, false, null);
    }

    /** A leaf whose gradient is wanted (e.g. the layer input, when DL4J asks for dL/dInput). */
    public Var input(INDArray value) {
        return new Var(this, value, recording, null);
    }

    /** Creates the output var of an op; {@code backward} runs in {@link #backward} if any input needs a gradient. */
    Var result(INDArray value, Runnable backward, Var... inputs) {
        own(value);
        boolean needs = false;
        for (Var in : inputs) {
            needs |= in != null && in.requiresGrad;
        }
        Var out = new Var(this, value, recording && needs, null);
        if (out.requiresGrad) {
            steps.add(new Step(out, backward));
        }
        return out;
    }

    /** Marks an array created by an op as owned by this tape: it is released in {@link #close}. */
    INDArray own(INDArray a) {
        if (a != null && !a.isView()) {
            owned.add(a);
        }
        return a;
    }

    /**
     * Back-propagates {@code dOut} (the gradient of the loss with respect to {@code out}) through every recorded step.
     * Gradients of intermediate vars are released as soon as their step has consumed them.
     */
    public void backward(Var out, INDArray dOut) {
        if (!recording) {
            throw new IllegalStateException("backward on a tape that did not record");
        }
        if (!out.requiresGrad) {
            return;
        }
        accumulate(out, dOut.dup());
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            if (s.out.grad == null) {
                continue;
            }
            s.backward.run();
            if (s.out.gradSink == null) {
                release(s.out.grad);
                s.out.grad = null;
            }
        }
        steps.clear();
    }

    /** Adds {@code g} into the gradient of {@code v}; takes ownership of {@code g} when it becomes the gradient. */
    static void accumulate(Var v, INDArray g) {
        if (v == null || !v.requiresGrad || g == null) {
            return;
        }
        if (v.grad == null && v.gradSink != null) {
            v.grad = sink(v);
        }
        if (v.grad == null) {
            v.grad = g.isView() ? g.dup() : g;
        } else {
            v.grad.addi(g.reshape(v.grad.shape()));
            if (!g.isView()) {
                release(g);
            }
        }
    }

    /** The gradient buffer of {@code v}, zero-filled on first use, for ops that accumulate in place (gemm beta=1). */
    static INDArray gradBuffer(Var v) {
        if (v.grad == null) {
            v.grad = v.gradSink != null ? sink(v) : v.value.ulike().assign(0);
        }
        return v.grad;
    }

    private static INDArray sink(Var v) {
        INDArray g = v.gradSink.get();
        if (g == null) {
            throw new IllegalStateException("no gradient view for a trainable parameter");
        }
        return g;
    }

    /** Releases every array the recorded ops created (values and gradients of intermediates). */
    @Override
    public void close() {
        steps.clear();
        owned.forEach(Tape::release);
        owned.clear();
    }

    /** Frees an array now if it owns its memory (arrays in a workspace go with the workspace). */
    static void release(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
        }
    }
}
