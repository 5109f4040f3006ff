package dev.attnspark.job.model.perceiverar;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.CrossAttentionLayer;
import dev.attnspark.job.model.core.LayerNorm;
import dev.attnspark.job.model.core.LayerOptions;
import dev.attnspark.job.model.core.RotaryEmbedding;
import dev.attnspark.job.model.core.SelfAttentionBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * perceiver-io's Perceiver AR causal language model ({@code CausalSequenceModel}, arXiv:2202.07765). Of an input of L
 * tokens the last N ({@code max_latents}, fewer for shorter inputs) are latents, the rest the prefix:
 * <ol>
 * <li>token embedding, plus a learned absolute position embedding with {@code abs_pos_emb}
 *     ({@code input_adapter.*}); positions count from the first real token of a left-padded row;</li>
 * <li>one causal cross-attention layer from the latents to the prefix followed by the latents themselves
 *     ({@code cross_attention.*}); in training each example keeps a random {@code 1 - cross_attention_dropout} of its
 *     prefix positions;</li>
 * <li>{@code num_self_attention_layers} causal self-attention layers over the latents ({@code self_attention.*});</li>
 * <li>an optional LayerNorm ({@code out_norm.*}) and logits tied to the token embedding, with an optional bias
 *     ({@code output_adapter.bias}).</li>
 * </ol>
 * Queries and keys of the cross-attention and of the first {@code num_self_attention_rotary_layers} self-attention
 * layers are rotated by their absolute positions. q/k/v projections and MLPs have no biases; the output projection
 * has one only in the cross-attention. With {@code activation_checkpointing} each attention layer's forward is run
 * again in backward instead of keeping its activations. Reads {@code input_ids} and {@code pad_mask} (1 at left
 * padding), optionally {@code prefix_len}; labels [B, L] are the next tokens (-100 ignored) and only the latent
 * positions are scored. Outputs logits [B, N, V].
 */
public final class CausalLanguageModel implements Model {
    public static final String INPUT_IDS = "input_ids";
    public static final String PAD_MASK = "pad_mask";
    /** Optional: a [1] or [B] array with the prefix length (default: all but the last {@code max_latents}). */
    public static final String PREFIX_LEN = "prefix_len";
    private static final List<String> INPUTS = List.of(INPUT_IDS, PAD_MASK);
    private static final String INV_FREQ = "input_adapter.frq_pos_encoding.inv_freq";

    private final CausalLanguageModelConfig config;
    private final String txtEmbedding;
    private final String posEmbedding;
    private final CrossAttentionLayer crossAttention;
    private final SelfAttentionBlock selfAttention;
    private final LayerNorm outNorm;
    private final String outputBias;
    private final INDArray invFreq;
    private final List<ParamSpec> parameters;

    public CausalLanguageModel(CausalLanguageModelConfig c) {
        this.config = c;
        ParamScope root = ParamScope.root();
        ParamScope input = root.child("input_adapter");
        this.txtEmbedding = input.child("txt_embedding").declare("weight", new Init.Normal(c.initScale), c.vocabSize,
                c.numChannels);
        this.posEmbedding = c.absPosEmb ? input.child("pos_embedding").declare("weight", new Init.Normal(c.initScale),
                c.maxSeqLen, c.numChannels) : null;
        this.crossAttention = new CrossAttentionLayer(root.child("cross_attention"), c.numHeads, c.numChannels,
                c.numChannels, null, null, c.crossAttentionWideningFactor, c.postAttentionDropout, c.residualDropout,
                true, new LayerOptions(false, true, false, true), c.initScale);
        this.selfAttention = new SelfAttentionBlock(root.child("self_attention"), c.numSelfAttentionLayers,
                c.numHeads, c.numChannels, null, null, c.selfAttentionWideningFactor, c.postAttentionDropout,
                c.residualDropout, new LayerOptions(false, false, false, true), c.numSelfAttentionRotaryLayers,
                c.initScale).checkpointing(c.activationCheckpointing);
        this.outNorm = c.outputNorm ? new LayerNorm(root.child("out_norm"), c.numChannels) : null;
        this.outputBias = c.outputBias ? root.child("output_adapter").declare("bias", new Init.Zeros(), c.vocabSize)
                : null;
        this.invFreq = RotaryEmbedding.inverseFrequencies(c.rotatedChannelsPerHead());
        this.parameters = root.specs();
    }

    @Override
    public List<ParamSpec> parameters() {
        return parameters;
    }

    @Override
    public List<String> inputs() {
        return INPUTS;
    }

    @Override
    public Map<String, INDArray> buffers() {
        return Map.of(INV_FREQ, invFreq);
    }

    @Override
    public Map<String, String> modules() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("input_adapter", "TokenInputAdapterWithRotarySupport");
        m.put("cross_attention", "CrossAttentionLayer");
        m.put("self_attention", "SelfAttentionBlock");
        if (outNorm != null) {
            m.put("out_norm", "LayerNorm");
        }
        if (outputBias != null) {
            m.put("output_adapter", "TiedTokenOutputAdapter");
        }
        return m;
    }

    public CausalLanguageModelConfig config() {
        return config;
    }

    @Override
    public Output forward(Tape t, Batch batch) {
        INDArray ids = batch.get(INPUT_IDS);
        if (ids.rank() != 2 || ids.size(1) > config.maxSeqLen) {
            throw new IllegalArgumentException("input_ids must be [batch, length <= " + config.maxSeqLen + "], got "
                    + Arrays.toString(ids.shape()));
        }
        long b = ids.size(0), l = ids.size(1);
        int prefixLen = prefixLength(batch, l);
        INDArray pad = padMask(batch);
        INDArray positions = positions(b, l, pad);

        Var x = F.gatherRows(t.param(txtEmbedding), ids);
        if (posEmbedding != null) {
            x = F.add(x, F.gatherRows(t.param(posEmbedding), positions));
        }
        RotaryEmbedding rotary = RotaryEmbedding.of(positions, invFreq, config.numHeads);
        Var latents = prefixLen == 0 ? x : F.slice(x, 1, prefixLen, l);
        RotaryEmbedding rotLatents = rotary.range(prefixLen, l);
        Var prefix = prefixLen == 0 ? null : F.slice(x, 1, 0, prefixLen);
        RotaryEmbedding rotPrefix = prefixLen == 0 ? null : rotary.range(0, prefixLen);
        INDArray padPrefix = pad == null || prefixLen == 0 ? null : columns(pad, 0, prefixLen);
        if (t.training() && prefixLen > 0 && config.crossAttentionDropout > 0) {
            int[][] keep = keptPrefix(b, prefixLen, config.crossAttentionDropout);
            prefix = F.pickPositions(prefix, keep);
            rotPrefix = rotPrefix.pick(keep);
            padPrefix = padPrefix == null ? null : F.pickPositions(padPrefix, keep);
        }
        RotaryEmbedding rotKeys = prefix == null ? rotLatents : rotPrefix.concat(rotLatents);
        INDArray keyPad = pad == null ? null
                : padPrefix == null ? columns(pad, prefixLen, l) : Nd4j.concat(1, padPrefix, columns(pad, prefixLen, l));

        RotaryEmbedding rotQ = rotLatents, rotK = rotKeys;
        Var h;
        if (config.activationCheckpointing) {
            h = prefix == null
                    ? F.checkpoint((tape, in) -> crossAttention.forwardWithPrefix(tape, in[0], null, keyPad, rotQ, rotK),
                    latents)
                    : F.checkpoint((tape, in) -> crossAttention.forwardWithPrefix(tape, in[0], in[1], keyPad, rotQ, rotK),
                    latents, prefix);
        } else {
            h = crossAttention.forwardWithPrefix(t, latents, prefix, keyPad, rotLatents, rotKeys);
        }
        h = selfAttention.forward(t, h, rotLatents);
        if (outNorm != null) {
            h = outNorm.forward(t, h);
        }
        Var logits = F.linear(h, t.param(txtEmbedding), outputBias == null ? null : t.param(outputBias));
        INDArray labels = batch.labels();
        return Output.crossEntropy(logits, labels == null ? null : columns(labels, prefixLen, l));
    }

    /** {@code prefix_len} from the batch, or all but the last {@code max_latents} positions. */
    private int prefixLength(Batch batch, long l) {
        int p = batch.has(PREFIX_LEN) ? batch.get(PREFIX_LEN).getInt(0) : (int) Math.max(0, l - config.maxLatents);
        if (p < 0 || p >= l) {
            throw new IllegalArgumentException("prefix_len (" + p + ") out of valid range [0.." + l + ")");
        }
        if (p > config.maxPrefixLen()) {
            throw new IllegalArgumentException("prefix_len (" + p + ") exceeds max_prefix_len (" + config.maxPrefixLen()
                    + " = max_seq_len - max_latents)");
        }
        return p;
    }

    /** The pad mask, or null when the batch has none or no padding. */
    private static INDArray padMask(Batch batch) {
        if (!batch.has(PAD_MASK)) {
            return null;
        }
        INDArray pad = batch.get(PAD_MASK).castTo(DataType.FLOAT);
        return pad.sumNumber().doubleValue() == 0 ? null : pad;
    }

    /** {@code arange(L) - (padding of the row)}, clamped at 0, as upstream's {@code positions(b, n, shift)}. */
    private static INDArray positions(long b, long l, INDArray pad) {
        float[] p = new float[(int) (b * l)];
        for (int e = 0; e < b; e++) {
            int shift = pad == null ? 0 : (int) pad.getRow(e).sumNumber().doubleValue();
            for (int i = 0; i < l; i++) {
                p[(int) (e * l + i)] = Math.max(0, i - shift);
            }
        }
        return Nd4j.create(p, new long[] {b, l}, 'c');
    }

    /**
     * Prefix dropout: per example, {@code prefix_len - int(prefix_len · p)} positions chosen at random (ND4J's
     * seeded generator), in order, as upstream's top-k of uniform noise.
     */
    private static int[][] keptPrefix(long b, int prefixLen, double p) {
        int keep = prefixLen - (int) (prefixLen * p);
        INDArray noise = Nd4j.rand(DataType.FLOAT, b, prefixLen);
        int[][] kept = new int[(int) b][];
        for (int e = 0; e < b; e++) {
            float[] u = noise.getRow(e).toFloatVector();
            Integer[] order = new Integer[prefixLen];
            for (int i = 0; i < prefixLen; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (i, j) -> Float.compare(u[j], u[i]));
            kept[e] = Arrays.stream(order, 0, keep).mapToInt(Integer::intValue).sorted().toArray();
        }
        return kept;
    }

    private static INDArray columns(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup('c');
    }
}
