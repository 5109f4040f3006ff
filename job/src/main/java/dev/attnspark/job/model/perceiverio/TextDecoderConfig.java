package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.core.DecoderConfig;

/**
 * perceiver-io's {@code TextDecoderConfig}: one output query per position; without
 * {@code num_output_query_channels} the queries have the encoder's input channels and the logits are tied to the
 * token embedding, with it a separate linear layer maps them to the vocabulary.
 */
public class TextDecoderConfig extends DecoderConfig {
    /** Channels of the output queries; null ties the output to the token embedding. */
    public Integer numOutputQueryChannels;
    /** Vocabulary size; the job sets it from the tokenizer. */
    public int vocabSize = 10003;
    /** Number of output queries (the longest sequence decoded); the job sets it from the data. */
    public int maxSeqLen = 512;

    @Override
    public void validate(String prefix) {
        super.validate(prefix);
        if (vocabSize <= 0 || maxSeqLen <= 0) {
            throw new IllegalArgumentException(prefix + "vocab_size and " + prefix + "max_seq_len must be > 0");
        }
        if (numOutputQueryChannels != null && numOutputQueryChannels <= 0) {
            throw new IllegalArgumentException(prefix + "num_output_query_channels must be > 0 or null, got "
                    + numOutputQueryChannels);
        }
    }
}
