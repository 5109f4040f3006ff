package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.core.ClassificationDecoderConfig;

/** perceiver-io's {@code TextClassifierConfig} ({@code PerceiverIOConfig[TextEncoderConfig, ClassificationDecoderConfig]}). */
public class TextClassifierConfig extends PerceiverIOConfig<TextEncoderConfig, ClassificationDecoderConfig> {

    public TextClassifierConfig() {
        super(new TextEncoderConfig(), new ClassificationDecoderConfig());
    }

    public TextClassifierConfig validate(String prefix) {
        validate(prefix, encoder.numInputChannels, numLatentChannels, decoder.numOutputQueryChannels);
        return this;
    }
}
