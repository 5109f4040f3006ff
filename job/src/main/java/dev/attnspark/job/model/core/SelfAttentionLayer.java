package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pre-LayerNorm self-attention with a residual connection, then an MLP with a residual connection (perceiver-io's
 * {@code SelfAttentionLayer}; names {@code 0.module.{norm,attention}}, {@code 1.module.*}).
 */
public final class SelfAttentionLayer {
    private final LayerNorm norm;
    private final MultiHeadAttention attention;
    private final Mlp mlp;
    private final double residualDropout;

    public SelfAttentionLayer(ParamScope scope, int heads, long channels, Integer qkChannels, Integer vChannels,
                              int wideningFactor, double dropout, double residualDropout, LayerOptions options,
                              double initScale) {
        ParamScope attn = scope.child("0").child("module");
        this.norm = new LayerNorm(attn.child("norm"), channels);
        this.attention = new MultiHeadAttention(attn.child("attention"), heads, channels, channels, qkChannels,
                vChannels, null, dropout, options, initScale);
        this.mlp = new Mlp(scope.child("1").child("module"), channels, wideningFactor, options.mlpBias(), initScale);
        this.residualDropout = residualDropout;
    }

    public Var forward(Tape t, Var x, INDArray keyPad) {
        return forward(t, x, keyPad, null);
    }

    /** @param rotary rotates queries and keys, or null */
    public Var forward(Tape t, Var x, INDArray keyPad, RotaryEmbedding rotary) {
        Var h = norm.forward(t, x);
        x = F.add(F.dropout(attention.forward(t, h, h, keyPad, rotary, rotary), residualDropout), x);
        return F.add(F.dropout(mlp.forward(t, x), residualDropout), x);
    }
}
