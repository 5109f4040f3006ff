package dev.attnspark.job.model.perceiverar;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.Output;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The descriptor of perceiver-io's Perceiver AR {@code CausalLanguageModel}. Its fixtures hold {@code input_ids},
 * {@code prefix_len} and optionally {@code pad_mask}; the labels are the inputs shifted left by one (the last
 * position has none), so that the loss is upstream's cross-entropy of {@code logits[:, :-1]} against the tokens
 * after the latents.
 */
public final class CausalLanguageModelType implements ModelType<CausalLanguageModelConfig> {
    public static final String NAME = "perceiver-ar-clm";
    public static final CausalLanguageModelType INSTANCE = new CausalLanguageModelType();

    private CausalLanguageModelType() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<CausalLanguageModelConfig> configClass() {
        return CausalLanguageModelConfig.class;
    }

    @Override
    public CausalLanguageModelConfig validate(CausalLanguageModelConfig config, String keyPrefix) {
        return config.validate(keyPrefix);
    }

    @Override
    public Model create(CausalLanguageModelConfig config) {
        return new CausalLanguageModel(config);
    }

    @Override
    public Batch fixtureBatch(Map<String, INDArray> io, CausalLanguageModelConfig config) {
        INDArray ids = ModelType.fixtureTensor(io, CausalLanguageModel.INPUT_IDS).castTo(DataType.FLOAT);
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(CausalLanguageModel.INPUT_IDS, ids);
        INDArray pad = io.get(CausalLanguageModel.PAD_MASK);
        arrays.put(CausalLanguageModel.PAD_MASK, pad != null ? pad.castTo(DataType.FLOAT)
                : Nd4j.zeros(DataType.FLOAT, ids.shape()));
        arrays.put(CausalLanguageModel.PREFIX_LEN, ModelType.fixtureTensor(io, CausalLanguageModel.PREFIX_LEN).castTo(DataType.FLOAT));
        INDArray labels = Output.nextTokens(ids);
        if (pad != null) {
            labels = labels.muli(pad.castTo(DataType.FLOAT).rsub(1.0)).addi(pad.castTo(DataType.FLOAT).mul(-100));
        }
        arrays.put(Batch.LABELS, labels);
        return new Batch(arrays);
    }

    /** Random ids of the full {@code max_seq_len} and their next tokens, no padding, as the PyTorch peer's batches. */
    @Override
    public Batch randomBatch(CausalLanguageModelConfig config, int batchSize, long seed) {
        Random rnd = new Random(seed);
        int l = config.maxSeqLen;
        float[] ids = new float[batchSize * (l + 1)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(config.vocabSize);
        }
        INDArray all = Nd4j.create(ids, new long[] {batchSize, l + 1}, 'c');
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(CausalLanguageModel.INPUT_IDS, all.get(NDArrayIndex.all(), NDArrayIndex.interval(0, l)).dup('c'));
        arrays.put(CausalLanguageModel.PAD_MASK, Nd4j.zeros(DataType.FLOAT, batchSize, l));
        arrays.put(Batch.LABELS, all.get(NDArrayIndex.all(), NDArrayIndex.interval(1, l + 1)).dup('c'));
        return new Batch(arrays);
    }

    @Override
    public List<Start> startingWeights(CausalLanguageModelConfig config) {
        List<Start> s = new ArrayList<>();
        if (config.params != null && !config.params.isBlank()) {
            s.add(new Start("model.params", config.params, ""));
        }
        return s;
    }

    @Override
    public List<String> frozenPrefixes(CausalLanguageModelConfig config) {
        return List.of();
    }
}
