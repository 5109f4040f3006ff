package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Multi-head attention of Perceiver IO (arXiv:2107.14795, Appendix E): query/key channels and value channels are
 * set separately, and the output is projected back to the query input's channel count. As perceiver-io's, it can be
 * causal (queries and keys right-aligned) and rotate queries and keys by a rotary position embedding.
 */
public final class MultiHeadAttention {
    private final int heads;
    private final double scale;
    private final double dropout;
    private final boolean causal;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    /**
     * @param heads          number of heads
     * @param qInChannels    query input channels
     * @param kvInChannels   key/value input channels
     * @param qkChannels     query and key channels (null: {@code qInChannels})
     * @param vChannels      value channels (null: {@code qkChannels})
     * @param outChannels    output channels (null: {@code qInChannels})
     * @param dropout        dropout probability of the attention weights
     * @param options        biases of the q/k/v and output projections, causal masking
     * @param initScale      std of the Normal weight initialization
     */
    public MultiHeadAttention(ParamScope scope, int heads, long qInChannels, long kvInChannels, Integer qkChannels,
                              Integer vChannels, Integer outChannels, double dropout, LayerOptions options,
                              double initScale) {
        long qk = qkChannels != null ? qkChannels : qInChannels;
        long v = vChannels != null ? vChannels : qk;
        long out = outChannels != null ? outChannels : qInChannels;
        if (qk % heads != 0) {
            throw new IllegalArgumentException("num_qk_channels (" + qk + ") must be divisible by num_heads (" + heads + ")");
        }
        if (v % heads != 0) {
            throw new IllegalArgumentException("num_v_channels (" + v + ") must be divisible by num_heads (" + heads + ")");
        }
        this.heads = heads;
        this.scale = Math.pow((double) (qk / heads), -0.5);
        this.dropout = dropout;
        this.causal = options.causal();
        this.qProj = new Linear(scope.child("q_proj"), qInChannels, qk, options.qkvBias(), initScale);
        this.kProj = new Linear(scope.child("k_proj"), kvInChannels, qk, options.qkvBias(), initScale);
        this.vProj = new Linear(scope.child("v_proj"), kvInChannels, v, options.qkvBias(), initScale);
        this.oProj = new Linear(scope.child("o_proj"), v, out, options.outBias(), initScale);
    }

    /**
     * @param xq     [B, N, qInChannels]
     * @param xkv    [B, L, kvInChannels]
     * @param keyPad [B, L] with 1 at padding positions, or null
     * @return [B, N, outChannels]
     */
    public Var forward(Tape t, Var xq, Var xkv, INDArray keyPad) {
        return forward(t, xq, xkv, keyPad, null, null);
    }

    /**
     * @param rotQ rotates the queries (their last N positions), or null
     * @param rotK rotates the keys, or null
     */
    public Var forward(Tape t, Var xq, Var xkv, INDArray keyPad, RotaryEmbedding rotQ, RotaryEmbedding rotK) {
        Var q = qProj.forward(t, xq);
        Var k = kProj.forward(t, xkv);
        Var v = vProj.forward(t, xkv);
        if (rotQ != null) {
            q = rotQ.rotate(q);
        }
        if (rotK != null) {
            k = rotK.rotate(k);
        }
        return oProj.forward(t, F.attention(q, k, v, heads, scale, keyPad, causal, dropout));
    }
}
