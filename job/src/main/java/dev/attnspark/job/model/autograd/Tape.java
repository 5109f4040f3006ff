package dev.attnspark.job.model.autograd;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
    /** During {@link #backward} inside a workspace: that workspace, where gradients that outlive a step go. */
    private MemoryWorkspace gradientSpace;
    /** Whether {@link #backward} runs inside another tape's backward step ({@link #backwardNested}). */
    private boolean nested;

    /**
     * The scratch memory of one backward step, reset after each: its temporaries (softmax and GELU backward
     * terms, transposed products) are freed step by step instead of piling up in the caller's workspace until the
     * whole backward pass is done (for the 201M-parameter MLM that pile was most of a step's memory).
     */
    private static final String SCRATCH_ID = "attnspark-backward-step";
    private static final WorkspaceConfiguration SCRATCH = WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.1)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .build();

    /** Frees this thread's scratch memory (see {@code ModelLayerImpl.releaseThreadMemory}). */
    public static void releaseScratch() {
        var workspaces = Nd4j.getWorkspaceManager();
        if (workspaces.checkIfWorkspaceExists(SCRATCH_ID)) {
            workspaces.destroyWorkspace(workspaces.getWorkspaceForCurrentThread(SCRATCH_ID));
        }
    }

    /** Where a tape finds parameter values and the gradient views to accumulate into. */
    public interface ParamSource {
        /** The value of a parameter, or null if there is none of that name. */
        INDArray value(String name);

        /** Whether a parameter gets a gradient (false when frozen). */
        boolean trainable(String name);

        /** The gradient view of a trainable parameter; asked for when backprop reaches the parameter. */
        INDArray grad(String name);

        /** Named values for inference (generation, checks of exported weights): nothing trainable. */
        static ParamSource readOnly(java.util.Map<String, INDArray> values) {
            return new ParamSource() {
                @Override
                public INDArray value(String name) {
                    return values.get(name);
                }

                @Override
                public boolean trainable(String name) {
                    return false;
                }

                @Override
                public INDArray grad(String name) {
                    throw new UnsupportedOperationException("read-only parameters have no gradients");
                }
            };
        }
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

    /**
     * Back-propagates inside another tape's backward step (activation checkpointing): everything is made in the
     * workspace that step runs in, which is reset when the step ends, instead of in per-step scratch scopes.
     */
    void backwardNested(Var out, INDArray dOut) {
        nested = true;
        try {
            backward(out, dOut);
        } finally {
            nested = false;
        }
    }

    /** Creates the output var of an op that depends on parameters as well: recorded whenever this tape records. */
    Var resultOfParameters(INDArray value, Runnable backward) {
        own(value);
        Var out = new Var(this, value, recording, null);
        if (recording) {
            steps.add(new Step(out, backward));
        }
        return out;
    }

    /** Where parameters come from (for ops that run part of the model again on a tape of their own). */
    ParamSource params() {
        return params;
    }

    /**
     * Runs the part of a forward op that makes temporaries (e.g. attention weights after dropout) in the scratch
     * workspace, so that they are gone when it returns; its results must be written into arrays made before.
     */
    void scratch(Runnable compute) {
        if (Nd4j.getMemoryManager().getCurrentWorkspace() == null) {
            compute.run();
            return;
        }
        try (MemoryWorkspace scratch = Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, SCRATCH_ID)) {
            compute.run();
        }
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
        gradientSpace = nested ? null : Nd4j.getMemoryManager().getCurrentWorkspace();
        try {
            for (int i = steps.size() - 1; i >= 0; i--) {
                Step s = steps.get(i);
                if (s.out.grad == null) {
                    continue;
                }
                if (gradientSpace == null) {
                    s.backward.run();
                } else {
                    try (MemoryWorkspace scratch = Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH,
                            SCRATCH_ID)) {
                        s.backward.run();
                    }
                }
                if (s.out.gradSink == null) {
                    release(s.out.grad);
                    s.out.grad = null;
                }
            }
        } finally {
            gradientSpace = null;
            steps.clear();
        }
    }

    /**
     * A gradient array that outlives the backward step creating it: made in the workspace the pass runs in (outside
     * the step's scratch), or as {@code make} makes it when there is none. (Made outside every workspace and freed
     * as soon as consumed, the 201M-parameter MLM peaked at 6.20 GB instead of 6.27 GB: not worth the allocations.)
     */
    private static INDArray lasting(Var v, java.util.function.Supplier<INDArray> make) {
        MemoryWorkspace space = v.tape.gradientSpace;
        if (space == null) {
            return make.get();
        }
        try (MemoryWorkspace borrowed = space.notifyScopeBorrowed()) {
            return make.get();
        }
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
            v.grad = v.tape.gradientSpace != null ? lasting(v, g::dup) : g.isView() ? g.dup() : g;
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
            v.grad = v.gradSink != null ? sink(v) : lasting(v, () -> v.value.ulike().assign(0));
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
