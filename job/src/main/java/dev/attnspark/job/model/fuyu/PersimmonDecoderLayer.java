package dev.attnspark.job.model.fuyu;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.LayerNorm;
import dev.attnspark.job.model.core.Linear;
import dev.attnspark.job.model.core.RotaryEmbedding;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer of Hugging Face's Persimmon decoder ({@code PersimmonDecoderLayer}), Fuyu's language model:
 * <pre>
 *   x = x + dense(attention(rotary(q_layernorm(q)), rotary(k_layernorm(k)), v))   q, k, v = query_key_value(ln(x))
 *   x = x + dropout(dense_4h_to_h(relu(dense_h_to_4h(post_attention_layernorm(x)))²))
 * </pre>
 * The fused {@code query_key_value} projection (with bias) is laid out per head as [q, k, v]
 * ({@code view(B, T, heads, 3, head_dim)}); q and k are normalised per head, then the first {@code rotary_dims} of
 * each head's channels are rotated (channel i with i + rotary_dims/2). Attention is causal, scaled by
 * {@code head_dim^-0.5}, and ignores padded keys.
 */
final class PersimmonDecoderLayer {
    private final FuyuConfig config;
    private final LayerNorm inputLayernorm;
    private final Linear queryKeyValue;
    private final LayerNorm qLayernorm;
    private final LayerNorm kLayernorm;
    private final Linear dense;
    private final LayerNorm postAttentionLayernorm;
    private final Linear denseHTo4h;
    private final Linear dense4hToH;

    PersimmonDecoderLayer(ParamScope scope, FuyuConfig c) {
        this.config = c;
        double eps = c.layerNormEps, init = c.initializerRange;
        int h = c.hiddenSize;
        ParamScope attn = scope.child("self_attn");
        this.queryKeyValue = new Linear(attn.child("query_key_value"), h, 3L * h, true, init);
        this.qLayernorm = c.qkLayernorm ? new LayerNorm(attn.child("q_layernorm"), c.headDim(), eps) : null;
        this.kLayernorm = c.qkLayernorm ? new LayerNorm(attn.child("k_layernorm"), c.headDim(), eps) : null;
        this.dense = new Linear(attn.child("dense"), h, h, true, init);
        ParamScope mlp = scope.child("mlp");
        this.denseHTo4h = new Linear(mlp.child("dense_h_to_4h"), h, c.intermediateSize, true, init);
        this.dense4hToH = new Linear(mlp.child("dense_4h_to_h"), c.intermediateSize, h, true, init);
        this.inputLayernorm = new LayerNorm(scope.child("input_layernorm"), h, eps);
        this.postAttentionLayernorm = new LayerNorm(scope.child("post_attention_layernorm"), h, eps);
    }

    /**
     * @param x      [B, T, hidden]
     * @param keyPad [B, T], 1 at padding, or null
     */
    Var forward(Tape t, Var x, INDArray keyPad, RotaryEmbedding rotary) {
        long b = x.size(0), l = x.size(1);
        int heads = config.numAttentionHeads, hd = config.headDim();
        Var qkv = F.reshape(queryKeyValue.forward(t, inputLayernorm.forward(t, x)), b, l, heads, 3, hd);
        Var q = headPart(qkv, 0, qLayernorm, t);
        Var k = headPart(qkv, 1, kLayernorm, t);
        Var v = headPart(qkv, 2, null, t);
        if (config.rotaryDims() > 0) {
            q = rotary.rotate(q);
            k = rotary.rotate(k);
        }
        Var attended = F.attention(q, k, v, heads, Math.pow(hd, -0.5), keyPad, true, config.attentionDropout);
        x = F.add(x, dense.forward(t, attended));
        Var m = denseHTo4h.forward(t, postAttentionLayernorm.forward(t, x));
        m = F.dropout(dense4hToH.forward(t, F.squaredRelu(m)), config.hiddenDropout);
        return F.add(x, m);
    }

    /** q, k or v ({@code which} 0, 1, 2) of every head as [B, T, heads·head_dim], normalised per head if asked. */
    private static Var headPart(Var qkv, int which, LayerNorm norm, Tape t) {
        long b = qkv.size(0), l = qkv.size(1), heads = qkv.size(2), hd = qkv.size(4);
        Var part = F.reshape(F.slice(qkv, 3, which, which + 1), b, l, heads, hd);
        if (norm != null) {
            part = norm.forward(t, part);
        }
        return F.reshape(part, b, l, heads * hd);
    }
}
