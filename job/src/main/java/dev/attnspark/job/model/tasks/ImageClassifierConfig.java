package dev.attnspark.job.model.tasks;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.attnspark.job.model.core.ClassificationDecoderConfig;

/** perceiver-io's {@code ImageClassifierConfig} ({@code PerceiverIOConfig[ImageEncoderConfig, ClassificationDecoderConfig]}). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class ImageClassifierConfig {
    public ImageEncoderConfig encoder = new ImageEncoderConfig();
    public ClassificationDecoderConfig decoder = new ClassificationDecoderConfig();
    /** Number of latents N. */
    public int numLatents = 512;
    /** Latent channels D. */
    public int numLatentChannels = 1024;
    /** Accepted for compatibility with upstream configs; only {@code false} is supported. */
    public boolean activationCheckpointing = false;
    /** Accepted for compatibility with upstream configs; only {@code false} is supported. */
    public boolean activationOffloading = false;

    /** Checks the configuration; messages name the key under {@code prefix} (e.g. {@code model.}). */
    public ImageClassifierConfig validate(String prefix) {
        encoder.validate(prefix + "encoder.");
        decoder.validate(prefix + "decoder.");
        if (numLatents <= 0 || numLatentChannels <= 0) {
            throw new IllegalArgumentException(prefix + "num_latents and " + prefix + "num_latent_channels must be > 0");
        }
        if (activationCheckpointing || activationOffloading) {
            throw new IllegalArgumentException(prefix + "activation_checkpointing/activation_offloading are not "
                    + "supported; set them to false");
        }
        return this;
    }
}
