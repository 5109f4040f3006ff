package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.Linear;
import dev.attnspark.job.model.core.OutputAdapter;

/** perceiver-io's {@code TokenOutputAdapter}: an untied linear layer to the vocabulary ({@code linear.*}). */
public final class TokenOutputAdapter implements OutputAdapter {
    private final Linear linear;

    public TokenOutputAdapter(ParamScope scope, long numOutputQueryChannels, long vocabSize, double initScale) {
        this.linear = new Linear(scope.child("linear"), numOutputQueryChannels, vocabSize, true, initScale);
    }

    @Override
    public Var forward(Tape t, Var x) {
        return linear.forward(t, x);
    }
}
