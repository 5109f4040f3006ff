package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.OutputAdapter;

/**
 * perceiver-io's {@code TiedTokenOutputAdapter}: token logits from the token embedding itself,
 * {@code logits = x · Eᵀ + bias}, with {@code bias} [V] (zeros). The embedding's gradient is the sum of its input and
 * output uses.
 */
public final class TiedTokenOutputAdapter implements OutputAdapter {
    private final String embedding;
    private final String bias;

    /** @param embedding the name of the token embedding [V, C] */
    public TiedTokenOutputAdapter(ParamScope scope, String embedding, long vocabSize) {
        this.embedding = embedding;
        this.bias = scope.declare("bias", new Init.Zeros(), vocabSize);
    }

    @Override
    public Var forward(Tape t, Var x) {
        return F.linear(x, t.param(embedding), t.param(bias));
    }
}
