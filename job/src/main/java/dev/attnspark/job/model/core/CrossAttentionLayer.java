package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pre-LayerNorm cross-attention with a residual connection, then an MLP with a residual connection (perceiver-io's
 * {@code CrossAttentionLayer}). Parameter names: {@code 0.module.{q_norm,kv_norm,attention}} and {@code 1.module.*};
 * without the attention residual the attention sits at {@code 0.*} directly, as upstream.
 */
public final class CrossAttentionLayer {
    private final LayerNorm qNorm;
    private final LayerNorm kvNorm;
    private final MultiHeadAttention attention;
    private final Mlp mlp;
    private final boolean attentionResidual;
    private final double residualDropout;

    /**
     * @param heads             number of attention heads
     * @param qInChannels       query input channels (the latent or output-query channels)
     * @param kvInChannels      key/value input channels
     * @param qkChannels        query/key channels (null: {@code qInChannels})
     * @param vChannels         value channels (null: the query/key channels)
     * @param wideningFactor    MLP hidden size as a multiple of {@code qInChannels}
     * @param dropout           dropout of the attention weights
     * @param residualDropout   dropout on the attention and MLP outputs before the residual sums
     * @param attentionResidual whether the attention output is added to the query input
     * @param options           biases and causal masking
     * @param initScale         std of the Normal weight initialization
     */
    public CrossAttentionLayer(ParamScope scope, int heads, long qInChannels, long kvInChannels, Integer qkChannels,
                               Integer vChannels, int wideningFactor, double dropout, double residualDropout,
                               boolean attentionResidual, LayerOptions options, double initScale) {
        ParamScope attn = attentionResidual ? scope.child("0").child("module") : scope.child("0");
        this.qNorm = new LayerNorm(attn.child("q_norm"), qInChannels);
        this.kvNorm = new LayerNorm(attn.child("kv_norm"), kvInChannels);
        this.attention = new MultiHeadAttention(attn.child("attention"), heads, qInChannels, kvInChannels, qkChannels,
                vChannels, null, dropout, options, initScale);
        this.mlp = new Mlp(scope.child("1").child("module"), qInChannels, wideningFactor, options.mlpBias(), initScale);
        this.attentionResidual = attentionResidual;
        this.residualDropout = residualDropout;
    }

    /**
     * @param xq     [B, N, qInChannels] queries
     * @param xkv    [B, L, kvInChannels] keys and values
     * @param keyPad [B, L], 1 at padding, or null
     */
    public Var forward(Tape t, Var xq, Var xkv, INDArray keyPad) {
        return residuals(t, xq, attention.forward(t, qNorm.forward(t, xq), kvNorm.forward(t, xkv), keyPad));
    }

    /**
     * Perceiver AR's form ({@code x_kv_prefix}): the keys and values are the normalized prefix followed by the
     * normalized queries themselves, so each latent attends to the prefix and (causally) to the latents.
     *
     * @param xq     [B, N, C] latents
     * @param prefix [B, P, C] prefix, or null for none
     * @param keyPad [B, P + N], 1 at padding, or null
     * @param rotQ   rotates the queries, or null
     * @param rotK   rotates the keys (P + N positions), or null
     */
    public Var forwardWithPrefix(Tape t, Var xq, Var prefix, INDArray keyPad, RotaryEmbedding rotQ,
                                 RotaryEmbedding rotK) {
        Var q = qNorm.forward(t, xq);
        Var kv = prefix == null ? q : F.concat(1, kvNorm.forward(t, prefix), q);
        return residuals(t, xq, attention.forward(t, q, kv, keyPad, rotQ, rotK));
    }

    private Var residuals(Tape t, Var xq, Var a) {
        Var x = attentionResidual ? F.add(F.dropout(a, residualDropout), xq) : a;
        return F.add(F.dropout(mlp.forward(t, x), residualDropout), x);
    }
}
