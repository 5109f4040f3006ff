package dev.attnspark.job.model.perceiverio;

/** perceiver-io's {@code MaskedLanguageModelConfig} ({@code PerceiverIOConfig[TextEncoderConfig, TextDecoderConfig]}). */
public class MaskedLanguageModelConfig extends PerceiverIOConfig<TextEncoderConfig, TextDecoderConfig> {

    public MaskedLanguageModelConfig() {
        super(new TextEncoderConfig(), new TextDecoderConfig());
    }

    /** The output queries' channels: the encoder's input channels when the output is tied to the embedding. */
    public long outputQueryChannels() {
        return decoder.numOutputQueryChannels != null ? decoder.numOutputQueryChannels : encoder.numInputChannels;
    }

    public MaskedLanguageModelConfig validate(String prefix) {
        validate(prefix, encoder.numInputChannels, numLatentChannels, outputQueryChannels());
        if (decoder.vocabSize != encoder.vocabSize) {
            throw new IllegalArgumentException(prefix + "decoder.vocab_size (" + decoder.vocabSize + ") must equal "
                    + prefix + "encoder.vocab_size (" + encoder.vocabSize + ")");
        }
        if (decoder.maxSeqLen < encoder.maxSeqLen) {
            throw new IllegalArgumentException(prefix + "decoder.max_seq_len (" + decoder.maxSeqLen + ") must be >= "
                    + prefix + "encoder.max_seq_len (" + encoder.maxSeqLen + "): one output query per input position");
        }
        return this;
    }
}
