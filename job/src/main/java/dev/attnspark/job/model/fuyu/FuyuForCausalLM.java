package dev.attnspark.job.model.fuyu;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.LayerNorm;
import dev.attnspark.job.model.core.Linear;
import dev.attnspark.job.model.core.RotaryEmbedding;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's {@code FuyuForCausalLM}: a decoder-only transformer that reads an image as raw patches. The token
 * embeddings of the image placeholder tokens ({@code image_token_id}) are replaced, in order, by a linear projection
 * of the flattened 30x30x3 patches ({@code model.vision_embed_tokens}); the Persimmon decoder
 * ({@code model.language_model}: {@link PersimmonDecoderLayer}s and a final LayerNorm) runs over the whole sequence,
 * and an untied {@code lm_head} gives the logits. Parameter names are transformers 5's
 * ({@code model.language_model.*}, {@code model.vision_embed_tokens.*}, {@code lm_head.*}); the Hub's older layout
 * is read through {@link FuyuType#renames}.
 *
 * <p>Reads {@code input_ids} [B, T], {@code image_patches} [B, P, patch_size²·channels] (example b's first
 * {@code count(input_ids[b] == image_token_id)} patches are used) and {@code attention_mask} [B, T] (1 at real
 * tokens, 0 at padding). Positions are {@code 0..T-1} whatever the padding, as Hugging Face's forward computes them
 * without {@code position_ids}. {@code labels} [B, T] are aligned with the inputs, -100 where there is nothing to
 * predict; as Hugging Face's causal LM loss, position i's logits are scored against {@code labels[i + 1]}.
 */
public final class FuyuForCausalLM implements Model {
    public static final String INPUT_IDS = "input_ids";
    public static final String IMAGE_PATCHES = "image_patches";
    public static final String ATTENTION_MASK = "attention_mask";
    private static final List<String> INPUTS = List.of(INPUT_IDS, IMAGE_PATCHES, ATTENTION_MASK);

    private final FuyuConfig config;
    private final String embedTokens;
    private final List<PersimmonDecoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalLayernorm;
    private final Linear visionEmbedTokens;
    private final String lmHead;
    private final INDArray invFreq;
    private final List<ParamSpec> parameters;

    public FuyuForCausalLM(FuyuConfig c) {
        this.config = c;
        ParamScope root = ParamScope.root(c.lora);
        ParamScope model = root.child("model");
        ParamScope lm = model.child("language_model");
        this.embedTokens = lm.child("embed_tokens").declare("weight", new Init.Normal(c.initializerRange),
                c.vocabSize, c.hiddenSize);
        for (int i = 0; i < c.numHiddenLayers; i++) {
            layers.add(new PersimmonDecoderLayer(lm.child("layers").child(Integer.toString(i)), c));
        }
        this.finalLayernorm = new LayerNorm(lm.child("final_layernorm"), c.hiddenSize, c.layerNormEps);
        this.visionEmbedTokens = new Linear(model.child("vision_embed_tokens"), c.patchValues(), c.hiddenSize, true,
                c.initializerRange);
        this.lmHead = root.child("lm_head").declare("weight", new Init.Normal(c.initializerRange), c.vocabSize,
                c.hiddenSize);
        this.invFreq = RotaryEmbedding.inverseFrequencies(c.rotaryDims(), c.ropeTheta);
        this.parameters = root.specs();
    }

    public FuyuConfig config() {
        return config;
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
    public Map<String, String> modules() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model.language_model", "PersimmonModel");
        m.put("model.vision_embed_tokens", "Linear");
        m.put("lm_head", "Linear");
        return m;
    }

    @Override
    public Output forward(Tape t, Batch batch) {
        INDArray ids = batch.get(INPUT_IDS);
        if (ids.rank() != 2 || ids.size(1) > config.maxPositionEmbeddings) {
            throw new IllegalArgumentException("input_ids must be [batch, length <= " + config.maxPositionEmbeddings
                    + "], got " + Arrays.toString(ids.shape()));
        }
        long b = ids.size(0), l = ids.size(1);
        Var x = F.gatherRows(t.param(embedTokens), ids);
        if (batch.has(IMAGE_PATCHES)) {
            INDArray patches = batch.get(IMAGE_PATCHES);
            if (patches.rank() != 3 || patches.size(0) != b || patches.size(2) != config.patchValues()) {
                throw new IllegalArgumentException("image_patches must be [" + b + ", patches, "
                        + config.patchValues() + "], got " + Arrays.toString(patches.shape()));
            }
            Var embedded = visionEmbedTokens.forward(t, t.constant(patches.castTo(x.value().dataType())));
            x = F.replaceRows(x, imageTokenPositions(ids), embedded);
        }
        INDArray keyPad = keyPadding(batch);
        RotaryEmbedding rotary = RotaryEmbedding.of(positions(b, l), invFreq, config.numAttentionHeads,
                RotaryEmbedding.Layout.HALVES);
        for (PersimmonDecoderLayer layer : layers) {
            x = layer.forward(t, x, keyPad, rotary);
        }
        Var logits = F.linear(finalLayernorm.forward(t, x), t.param(lmHead), null);
        INDArray labels = batch.labels();
        return Output.crossEntropy(logits, labels == null ? null : Output.nextTokens(labels));
    }

    /** Per example, the positions of the image placeholder tokens, in order. */
    private int[][] imageTokenPositions(INDArray ids) {
        int[][] pos = new int[(int) ids.size(0)][];
        for (int e = 0; e < pos.length; e++) {
            long[] row = ids.getRow(e).toLongVector();
            pos[e] = java.util.stream.IntStream.range(0, row.length).filter(i -> row[i] == config.imageTokenId)
                    .toArray();
        }
        return pos;
    }

    /** 1 where {@code attention_mask} is 0; null without a mask or padding. */
    private static INDArray keyPadding(Batch batch) {
        if (!batch.has(ATTENTION_MASK)) {
            return null;
        }
        INDArray mask = batch.get(ATTENTION_MASK).castTo(DataType.FLOAT);
        return mask.minNumber().doubleValue() > 0 ? null : mask.rsub(1.0);
    }

    private static INDArray positions(long b, long l) {
        return Nd4j.arange(0, l).castTo(DataType.FLOAT).reshape(1, l).repeat(0, b);
    }
}
