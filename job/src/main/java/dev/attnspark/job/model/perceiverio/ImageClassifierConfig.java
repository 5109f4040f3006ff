package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.core.ClassificationDecoderConfig;

/** perceiver-io's {@code ImageClassifierConfig} ({@code PerceiverIOConfig[ImageEncoderConfig, ClassificationDecoderConfig]}). */
public class ImageClassifierConfig extends PerceiverIOConfig<ImageEncoderConfig, ClassificationDecoderConfig> {

    public ImageClassifierConfig() {
        super(new ImageEncoderConfig(), new ClassificationDecoderConfig());
    }

    /** Checks the configuration; messages name the key under {@code prefix} (e.g. {@code model.}). */
    public ImageClassifierConfig validate(String prefix) {
        encoder.validate(prefix + "encoder.");
        // as upstream's ImageEncoder: cross-attention query/key channels default to the adapted input's channels
        long inputChannels = ImageInputAdapter.numInputChannels(encoder.imageShape, encoder.numFrequencyBands);
        validate(prefix, inputChannels, inputChannels, decoder.numOutputQueryChannels);
        return this;
    }
}
