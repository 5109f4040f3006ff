package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/** {@code nn.LayerNorm} over the last dimension, by default with PyTorch's eps 1e-5. */
public final class LayerNorm {
    public static final double EPS = 1e-5;
    private final String weight;
    private final String bias;
    private final double eps;

    public LayerNorm(ParamScope scope, long channels) {
        this(scope, channels, EPS);
    }

    public LayerNorm(ParamScope scope, long channels, double eps) {
        this.weight = scope.declare("weight", new Init.Ones(), channels);
        this.bias = scope.declare("bias", new Init.Zeros(), channels);
        this.eps = eps;
    }

    public Var forward(Tape t, Var x) {
        return F.layerNorm(x, t.param(weight), t.param(bias), eps);
    }
}
