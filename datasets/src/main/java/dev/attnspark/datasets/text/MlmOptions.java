package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * Masked-language-model preprocessing settings, named as perceiver-io's {@code TextDataModule} arguments
 * ({@code data.max_seq_len} and so on).
 *
 * @param maxSeqLen        chunk length ({@code max_seq_len}; 2048 in perceiver-io's IMDb MLM example)
 * @param addSpecialTokens whether each text is tokenized as {@code [CLS] text [SEP]} ({@code add_special_tokens};
 *                         false in {@code TextDataModule}, true in the IMDb examples)
 * @param maskProb         probability that a word is masked ({@code mask_prob}, 0.15)
 * @param staticMasking    one mask for all epochs, as if made at preprocessing ({@code static_masking}, false)
 * @param seed             seeds every mask together with the epoch and the chunk's index
 * @param preprocBatchSize texts concatenated together before chunking ({@code preproc_batch_size}, 1000)
 */
public record MlmOptions(int maxSeqLen, boolean addSpecialTokens, double maskProb, boolean staticMasking, long seed,
                         int preprocBatchSize) implements Serializable {
    public MlmOptions {
        if (maxSeqLen < 1) {
            throw new IllegalArgumentException("data.max_seq_len must be positive, not " + maxSeqLen);
        }
        if (!(maskProb >= 0 && maskProb <= 1)) {
            throw new IllegalArgumentException("data.mask_prob must be in [0, 1], not " + maskProb);
        }
        if (preprocBatchSize < 1) {
            throw new IllegalArgumentException("data.preproc_batch_size must be positive, not " + preprocBatchSize);
        }
    }

    /** perceiver-io's {@code TextDataModule} defaults, with {@code max_seq_len} 2048. */
    public static MlmOptions defaults() {
        return new MlmOptions(2048, false, 0.15, false, 0L, 1000);
    }

    public MlmOptions withMaxSeqLen(int value) {
        return new MlmOptions(value, addSpecialTokens, maskProb, staticMasking, seed, preprocBatchSize);
    }

    public MlmOptions withAddSpecialTokens(boolean value) {
        return new MlmOptions(maxSeqLen, value, maskProb, staticMasking, seed, preprocBatchSize);
    }

    public MlmOptions withMaskProb(double value) {
        return new MlmOptions(maxSeqLen, addSpecialTokens, value, staticMasking, seed, preprocBatchSize);
    }

    public MlmOptions withStaticMasking(boolean value) {
        return new MlmOptions(maxSeqLen, addSpecialTokens, maskProb, value, seed, preprocBatchSize);
    }

    public MlmOptions withSeed(long value) {
        return new MlmOptions(maxSeqLen, addSpecialTokens, maskProb, staticMasking, value, preprocBatchSize);
    }

    public MlmOptions withPreprocBatchSize(int value) {
        return new MlmOptions(maxSeqLen, addSpecialTokens, maskProb, staticMasking, seed, value);
    }

    public WholeWordMasking masking() {
        return new WholeWordMasking(maskProb, seed);
    }
}
