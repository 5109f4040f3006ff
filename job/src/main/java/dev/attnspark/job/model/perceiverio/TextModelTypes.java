package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The descriptors of perceiver-io's two text models: {@code perceiver-io-mlm} ({@link MaskedLanguageModel}) and
 * {@code perceiver-io-text-classifier} ({@link TextClassifier}). Both read {@code input_ids} and {@code pad_mask};
 * their fixtures hold those and {@code labels} under the same names.
 */
public final class TextModelTypes {
    public static final ModelType<MaskedLanguageModelConfig> MLM = new Mlm();
    public static final ModelType<TextClassifierConfig> CLASSIFIER = new Classifier();
    /** Token ids below this are the tokenizer's special tokens; random batches use byte ids only. */
    private static final int FIRST_BYTE_ID = 6;
    /** Of random MLM batches, the share of positions that are labelled (masked), as upstream's mask_prob. */
    private static final double MASK_PROB = 0.15;

    private TextModelTypes() {}

    private abstract static class TextType<C extends PerceiverIOConfig<TextEncoderConfig, ?>> implements ModelType<C> {
        @Override
        public Batch fixtureBatch(Map<String, INDArray> io, C config) {
            return new Batch(Map.of(TextInputs.INPUT_IDS, ModelType.fixtureTensor(io, TextInputs.INPUT_IDS),
                    TextInputs.PAD_MASK, ModelType.fixtureTensor(io, TextInputs.PAD_MASK),
                    Batch.LABELS, ModelType.fixtureTensor(io, Batch.LABELS)));
        }

        @Override
        public List<String> frozenPrefixes(C config) {
            return config.frozenPrefixes();
        }

        @Override
        public List<Start> startingWeights(C config) {
            return config.startingWeights();
        }

        /** Random byte ids over the whole input length and no padding, as the PyTorch peer's random batches. */
        Batch random(C config, int batchSize, long seed, INDArray labels) {
            TextEncoderConfig enc = config.encoder;
            Random rnd = new Random(seed);
            float[] ids = new float[batchSize * enc.maxSeqLen];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = FIRST_BYTE_ID + rnd.nextInt(enc.vocabSize - FIRST_BYTE_ID);
            }
            return new Batch(Map.of(TextInputs.INPUT_IDS, Nd4j.create(ids, new long[] {batchSize, enc.maxSeqLen}, 'c'),
                    TextInputs.PAD_MASK, Nd4j.zeros(DataType.FLOAT, batchSize, enc.maxSeqLen), Batch.LABELS, labels));
        }
    }

    private static final class Mlm extends TextType<MaskedLanguageModelConfig> {
        @Override
        public String name() {
            return "perceiver-io-mlm";
        }

        @Override
        public Class<MaskedLanguageModelConfig> configClass() {
            return MaskedLanguageModelConfig.class;
        }

        @Override
        public MaskedLanguageModelConfig validate(MaskedLanguageModelConfig config, String keyPrefix) {
            return config.validate(keyPrefix);
        }

        @Override
        public Model create(MaskedLanguageModelConfig config) {
            return new MaskedLanguageModel(config);
        }

        /** 15 % of positions labelled with a random byte id, the rest -100. */
        @Override
        public Batch randomBatch(MaskedLanguageModelConfig config, int batchSize, long seed) {
            int len = config.encoder.maxSeqLen;
            Random rnd = new Random(~seed);
            float[] labels = new float[batchSize * len];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = rnd.nextDouble() < MASK_PROB
                        ? FIRST_BYTE_ID + rnd.nextInt(config.encoder.vocabSize - FIRST_BYTE_ID) : -100;
            }
            return random(config, batchSize, seed, Nd4j.create(labels, new long[] {batchSize, len}, 'c'));
        }
    }

    private static final class Classifier extends TextType<TextClassifierConfig> {
        @Override
        public String name() {
            return "perceiver-io-text-classifier";
        }

        @Override
        public Class<TextClassifierConfig> configClass() {
            return TextClassifierConfig.class;
        }

        @Override
        public TextClassifierConfig validate(TextClassifierConfig config, String keyPrefix) {
            return config.validate(keyPrefix);
        }

        @Override
        public Model create(TextClassifierConfig config) {
            return new TextClassifier(config);
        }

        @Override
        public Batch randomBatch(TextClassifierConfig config, int batchSize, long seed) {
            Random rnd = new Random(~seed);
            float[] labels = new float[batchSize];
            for (int i = 0; i < batchSize; i++) {
                labels[i] = rnd.nextInt(config.decoder.numClasses);
            }
            return random(config, batchSize, seed, Nd4j.create(labels, new long[] {batchSize}, 'c'));
        }
    }
}
