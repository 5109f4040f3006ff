package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.core.EncoderConfig;

/**
 * perceiver-io's {@code TextEncoderConfig}: the encoder configuration plus the token input adapter's vocabulary,
 * maximum sequence length and channels, and {@code params}, a checkpoint to load the encoder from.
 */
public class TextEncoderConfig extends EncoderConfig {
    /** Vocabulary size (262 for the UTF-8 bytes tokenizer); the job sets it from the tokenizer. */
    public int vocabSize = 10003;
    /** Maximum input length (positions of the learned position embedding); the job sets it from the data. */
    public int maxSeqLen = 256;
    /** Channels C of the token and position embeddings. */
    public int numInputChannels = 64;
    /** A checkpoint or safetensors file whose encoder ({@code 0.*}) weights start the model; null: none. */
    public String params;

    @Override
    public void validate(String prefix) {
        super.validate(prefix);
        if (vocabSize <= 0 || maxSeqLen <= 0 || numInputChannels <= 0) {
            throw new IllegalArgumentException(prefix + "vocab_size, " + prefix + "max_seq_len and " + prefix
                    + "num_input_channels must be > 0, got " + vocabSize + ", " + maxSeqLen + " and "
                    + numInputChannels);
        }
    }
}
