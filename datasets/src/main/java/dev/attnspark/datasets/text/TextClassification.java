package dev.attnspark.datasets.text;

import org.apache.spark.api.java.JavaRDD;

/**
 * Classification preprocessing as perceiver-io's {@code TextDataModule} for {@code Task.clf}
 * ({@code perceiver/data/text/common.py}, {@code _tokenize_dataset(truncation=True, max_length=max_seq_len)}): each
 * text tokenized on its own and truncated to {@code max_seq_len} tokens, keeping {@code [CLS]} and {@code [SEP]}.
 * Batches are then padded per batch by {@link PaddedBatch}.
 */
public final class TextClassification {
    private TextClassification() {}

    public static TokenizedText tokenize(TextExample example, int maxSeqLen, boolean addSpecialTokens) {
        return new TokenizedText(example.label(), PerceiverTokenizer.encode(example.text(), addSpecialTokens, maxSeqLen));
    }

    public static JavaRDD<TokenizedText> tokenize(JavaRDD<TextExample> examples, int maxSeqLen, boolean addSpecialTokens) {
        if (maxSeqLen < (addSpecialTokens ? 2 : 1)) {
            throw new IllegalArgumentException("data.max_seq_len " + maxSeqLen + " is too short");
        }
        return examples.map(e -> tokenize(e, maxSeqLen, addSpecialTokens));
    }
}
