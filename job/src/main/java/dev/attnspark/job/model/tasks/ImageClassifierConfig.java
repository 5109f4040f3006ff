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
        int inputChannels = encoder.imageShape[encoder.imageShape.length - 1]
                + encoder.imageShape.length - 1 + 2 * encoder.numFrequencyBands * (encoder.imageShape.length - 1);
        heads(prefix + "encoder.num_cross_attention_", encoder.numCrossAttentionHeads,
                encoder.numCrossAttentionQkChannels != null ? encoder.numCrossAttentionQkChannels : inputChannels,
                encoder.numCrossAttentionVChannels);
        heads(prefix + "encoder.num_self_attention_", encoder.numSelfAttentionHeads,
                encoder.numSelfAttentionQkChannels != null ? encoder.numSelfAttentionQkChannels : numLatentChannels,
                encoder.numSelfAttentionVChannels);
        heads(prefix + "decoder.num_cross_attention_", decoder.numCrossAttentionHeads,
                decoder.numCrossAttentionQkChannels != null ? decoder.numCrossAttentionQkChannels
                        : decoder.numOutputQueryChannels, decoder.numCrossAttentionVChannels);
        if (activationCheckpointing || activationOffloading) {
            throw new IllegalArgumentException(prefix + "activation_checkpointing/activation_offloading are not "
                    + "supported; set them to false");
        }
        return this;
    }

    /** Query/key and value channels must split evenly across heads (keys named as in the configuration). */
    private static void heads(String key, int heads, int qk, Integer v) {
        if (heads <= 0) {
            throw new IllegalArgumentException(key + "heads must be > 0");
        }
        if (qk % heads != 0) {
            throw new IllegalArgumentException(key + "heads (" + heads + ") must divide the query/key channels ("
                    + qk + ", " + key + "qk_channels or its default)");
        }
        int values = v != null ? v : qk;
        if (values % heads != 0) {
            throw new IllegalArgumentException(key + "heads (" + heads + ") must divide the value channels (" + values
                    + ", " + key + "v_channels or its default)");
        }
    }
}
