package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/** perceiver-io's {@code MLP}: {@code LayerNorm → Linear(c, w·c) → GELU → Linear(w·c, c)} (names 0, 1, 3). */
public final class Mlp {
    private final LayerNorm norm;
    private final Linear fc1;
    private final Linear fc2;

    public Mlp(ParamScope scope, long channels, int wideningFactor, boolean bias, double initScale) {
        this.norm = new LayerNorm(scope.child("0"), channels);
        this.fc1 = new Linear(scope.child("1"), channels, wideningFactor * channels, bias, initScale);
        this.fc2 = new Linear(scope.child("3"), wideningFactor * channels, channels, bias, initScale);
    }

    public Var forward(Tape t, Var x) {
        return fc2.forward(t, F.gelu(fc1.forward(t, norm.forward(t, x))));
    }
}
