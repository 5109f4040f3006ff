package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/** {@code nn.Linear}: {@code weight} [out, in] initialized Normal(0, init_scale), {@code bias} [out] zeros. */
public final class Linear {
    private final String weight;
    private final String bias;

    public Linear(ParamScope scope, long in, long out, boolean bias, double initScale) {
        this.weight = scope.declare("weight", new Init.Normal(initScale), out, in);
        this.bias = bias ? scope.declare("bias", new Init.Zeros(), out) : null;
    }

    public Var forward(Tape t, Var x) {
        return F.linear(x, t.param(weight), bias == null ? null : t.param(bias));
    }
}
