package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/** Linear head over the single output query: [B, 1, F] → logits [B, num_classes] ({@code linear.*}). */
public final class ClassificationOutputAdapter implements OutputAdapter {
    private final Linear linear;
    private final int numClasses;

    public ClassificationOutputAdapter(ParamScope scope, int numClasses, long numOutputQueryChannels, double initScale) {
        this.linear = new Linear(scope.child("linear"), numOutputQueryChannels, numClasses, true, initScale);
        this.numClasses = numClasses;
    }

    @Override
    public Var forward(Tape t, Var x) {
        Var logits = linear.forward(t, x);
        return F.reshape(logits, logits.size(0), numClasses);
    }
}
