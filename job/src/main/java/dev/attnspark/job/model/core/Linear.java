package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/**
 * {@code nn.Linear}: {@code weight} [out, in] initialized Normal(0, init_scale), {@code bias} [out] zeros; with LoRA
 * adapters where the scope's {@link LoraConfig} targets it ({@code lora_A.weight} [r, in], {@code lora_B.weight}
 * [out, r], as PEFT saves them).
 */
public final class Linear {
    private final String weight;
    private final String bias;
    private final String loraA;
    private final String loraB;
    private final double scaling;
    private final double loraDropout;

    public Linear(ParamScope scope, long in, long out, boolean bias, double initScale) {
        this.weight = scope.declare("weight", new Init.Normal(initScale), out, in);
        this.bias = bias ? scope.declare("bias", new Init.Zeros(), out) : null;
        LoraConfig lora = scope.adapters();
        this.loraA = lora == null ? null : scope.child("lora_A").declare("weight", new Init.Uniform(1 / Math.sqrt(in)),
                lora.r, in);
        this.loraB = lora == null ? null : scope.child("lora_B").declare("weight", new Init.Zeros(), out, lora.r);
        this.scaling = lora == null ? 0 : lora.scaling();
        this.loraDropout = lora == null ? 0 : lora.dropout;
    }

    public Var forward(Tape t, Var x) {
        Var y = F.linear(x, t.param(weight), bias == null ? null : t.param(bias));
        if (loraA == null) {
            return y;
        }
        // alpha/r scales the rank-r activations, not the output-sized ones: one output-sized array fewer per layer
        Var down = F.scale(F.linear(F.dropout(x, loraDropout), t.param(loraA), null), scaling);
        return F.add(y, F.linear(down, t.param(loraB), null));
    }
}
